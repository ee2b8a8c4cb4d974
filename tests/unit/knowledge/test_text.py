from kpo.knowledge.text import (
    ParsedQuery,
    article_lines,
    looks_like_question,
    parse_query,
    stem,
    terms,
    words,
)


def test_words_are_casefolded_without_accents_and_split_on_punctuation() -> None:
    assert words("Café's PIN-code, doesn't") == ["cafe", "s", "pin", "code", "doesn", "t"]


def test_stems_meet_common_inflections() -> None:
    assert stem("arrived") == stem("arrive") == stem("arrives") == stem("arriving")
    assert stem("cards") == stem("card")
    assert stem("stopped") == stem("stop")


def test_terms_drop_stop_words_unless_nothing_else_is_left() -> None:
    assert terms("Where is my card?") == ["card"]
    assert terms("how do I") == ["how", "do", "i"]


def test_lines_are_title_then_body_lines_with_long_lines_cut_at_sentences() -> None:
    long = " ".join(["word"] * 20) + ". Second sentence " + " ".join(["x"] * 15) + "."
    lines = article_lines("Title", "First line? Still one.\n\n- " + long)
    assert lines[0] == "Title"
    assert lines[1] == "First line? Still one."
    assert lines[2].startswith("word word")
    assert lines[3].startswith("Second sentence")


def test_query_language_phrases_prefixes_and_words() -> None:
    parsed = parse_query('reset "forgot password" emai* the')
    assert parsed == ParsedQuery(("reset",), (("forgot", "password"),), ("emai",))
    assert parse_query('unbalanced "quote here').words == ("unbalanced", "quote")
    assert parse_query("the").words == ("the",)
    assert parse_query('"" *  ').is_empty


def test_match_levels_go_from_all_words_to_any_word() -> None:
    levels = parse_query("card arrived late deliv*").match_levels()
    assert [len(level[0]) for level in levels] == [4, 3, 2, 1]
    assert levels[0] == [("card", "arrived", "late", "deliv*")]
    assert ("deliv*",) in levels[-1]
    many = parse_query("alpha beta gamma delta epsilon zeta eta").match_levels(most=5)
    assert len(many[0][0]) == 5
    assert len(many[-1]) == 7  # any one of all the words
    assert parse_query('"only phrase"').match_levels() == []


def test_questions_are_told_from_statements() -> None:
    assert looks_like_question("How do I delete my Facebook account?")
    assert looks_like_question("Where is my card")  # opens with an interrogative word
    assert looks_like_question("Is there a fee for top-ups")
    assert looks_like_question("My card never came. What now?")  # a mark anywhere
    assert looks_like_question("¿Dónde está mi tarjeta?")
    assert not looks_like_question("Go to settings and press Delete.")
    assert not looks_like_question("Card arrival")
    assert not looks_like_question("")
