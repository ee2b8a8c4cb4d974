"""Pure business rules of OpenKPO. Imports only the standard library and itself."""
