"""The default skill catalogue seeded by ``kpo init``; extend it with ``kpo skills add``."""

from __future__ import annotations

__all__ = ["DEFAULT_SKILLS"]

DEFAULT_SKILLS: dict[str, str] = {
    "customer_service": "General customer service on calls, chats and tickets",
    "payments": "Payment investigations, refunds, failed and pending transfers",
    "card_disputes": "Card chargebacks and disputes under scheme rules",
    "fraud_review": "Suspicious transaction review and account holds",
    "kyc": "Know-your-customer document checks",
    "collections": "Payment reminders and arrangements",
    "it_support_l1": "First-line IT help desk: passwords, access, devices",
    "it_support_l2": "Second-line IT support: software, networks, escalations",
    "networking": "Network and VPN troubleshooting",
    "cloud_ops": "Cloud accounts, permissions and incidents",
    "billing": "Invoices, subscriptions and plan changes",
    "data_entry": "Back-office data entry and reconciliation",
    "research": "Desk research and analysis projects",
    "data_analysis": "Data analysis and reporting",
    "technical_writing": "Knowledge-base articles and documentation",
    "quality_assurance": "Quality review of resolved work",
}
