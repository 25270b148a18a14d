"""Who wrote what in a widget no recipe describes: learned from the probe's own text (no browser)."""

from __future__ import annotations

from servaudit.channels.chat.attribution import Block, Node, attribute, block_from_event, sent_index

LIST = Node("list", "ol", ("log",), "", "", 0, 400)
SENT = [("Guten Tag, kann ich den Tarif wechseln?", 1_000)]


def bubble(
    block_id: str, row: str, text: str, at: int, side: str = "me", left: float = 200, **flags: bool
) -> Block:
    """A message row in the list: <li class=msg {side}><p>text</p></li>, 200 px wide."""
    return Block(
        block_id,
        "page",
        text,
        at,
        (
            Node(f"{block_id}-p", "p", ("text",), "", "", left, 200),
            Node(row, "li", ("msg", side), "", "", 0, 400),
            LIST,
        ),
        **flags,
    )


def test_the_probes_own_words_are_the_visitors_and_teach_the_other_side() -> None:
    found = attribute(
        [
            bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050),
            bubble("a", "r2", "Ja, jederzeit zum Monatsende.", 4_000, side="them", left=0),
        ],
        SENT,
    )
    assert [(m.side, m.at_ms) for m in found] == [("visitor", 1_050), ("company", 4_000)]
    assert "marked them where the visitor's are me" in found[1].reasons[0]
    assert "left-aligned where the visitor's are right-aligned" in found[1].reasons[0]


def test_a_message_marked_up_like_the_visitors_but_not_typed_is_unattributed() -> None:
    found = attribute(
        [
            bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050),
            bubble("x", "r2", "Ja, jederzeit zum Monatsende.", 4_000),
        ],
        SENT,
    )
    assert found[1].side == "unattributed"
    assert "its author cannot be told" in found[1].reasons[0]


def test_alignment_alone_tells_the_sides_apart() -> None:
    found = attribute(
        [
            bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050),
            bubble("a", "r2", "Ja.", 4_000, left=0),
        ],
        SENT,
    )
    assert found[1].side == "company" and "left-aligned" in found[1].reasons[0]


def test_without_the_visitors_echo_nothing_is_attributed() -> None:
    found = attribute([bubble("a", "r2", "Hallo! Wie können wir helfen?", 1_100, side="them", left=0)], SENT)
    assert [m.side for m in found] == ["unattributed"]
    assert "never showed in the page" in found[0].reasons[0]


def test_furniture_rerendered_unchanged_is_no_message_but_a_change_of_it_is() -> None:
    furniture = bubble("g", "r0", "Hallo! Wie können wir helfen?", 1_020, side="them", left=0, furniture=True)
    visitor = bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050)
    assert [m.side for m in attribute([furniture, visitor], SENT)] == ["visitor"]
    changed = bubble("g", "r0", "Jana hat den Chat übernommen.", 3_000, side="them", left=0, update=True)
    # A block first reported as furniture and then changed was on the page before: only its change counts.
    found = attribute([visitor, changed], SENT)
    assert [(m.side, m.at_ms) for m in found] == [("visitor", 1_050), ("company", 3_000)]


def test_text_typed_before_the_send_is_not_an_echo() -> None:
    assert sent_index("Guten Tag, kann ich den Tarif wechseln?", 500, SENT) is None
    assert sent_index("guten tag kann ich den tarif wechseln", 1_000, SENT) == 0
    assert sent_index("Tarif", 1_200, SENT) is None, "a short piece proves nothing"
    assert sent_index("kann ich den Tarif wechseln", 1_200, SENT) == 0, "a paragraph of it does"


def test_status_text_typing_indicators_and_names() -> None:
    visitor = bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050)
    time = bubble("t", "r1", "10:42", 1_060)
    dots = bubble("d", "r3", "…", 1_100, side="them", left=0)
    typing = Block(
        "k",
        "page",
        "Jana schreibt",
        1_200,
        (
            Node("k-s", "span", ("label",), "", "", 0, 100),
            Node("kr", "li", ("typing-indicator",), "", "", 0, 400),
            LIST,
        ),
    )
    name = Block(
        "n",
        "page",
        "Jana",
        2_000,
        (
            Node("n-s", "span", ("chat-author",), "", "", 0, 50),
            Node("r2", "li", ("msg", "them"), "", "", 0, 400),
            LIST,
        ),
    )
    answer = bubble("a", "r2", "Gern helfe ich.", 2_000, side="them", left=0)
    found = attribute([visitor, time, dots, typing, name, answer], SENT)
    assert [(m.side, m.text, m.name) for m in found] == [
        ("visitor", SENT[0][0], None),
        ("company", "Gern helfe ich.", "Jana"),
    ]


def test_a_streamed_answer_keeps_the_moment_it_first_appeared() -> None:
    visitor = bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050)
    first = bubble("a", "r2", "Ja,", 3_000, side="them", left=0)
    more = bubble("a", "r2", "Ja, jederzeit zum Monatsende.", 3_400, side="them", left=0, update=True)
    found = attribute([visitor, first, more], SENT)
    assert (found[1].text, found[1].at_ms) == ("Ja, jederzeit zum Monatsende.", 3_000)


def test_another_frame_cannot_be_compared() -> None:
    visitor = bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050)
    other = Block("o", "other-frame", "Angebot: 10 % Rabatt", 2_000, (Node("o1", "div", (), "", "", 0, 100),))
    found = attribute([visitor, other], SENT)
    assert found[1].side == "unattributed" and "another frame" in found[1].reasons[0]


def test_malformed_observer_events_are_dropped() -> None:
    assert block_from_event({"id": "1", "text": "x"}) is None
    assert block_from_event({"id": "1", "text": "x", "at": "soon", "chain": []}) is None
    event = {
        "id": "1",
        "text": "Hallo",
        "at": 5,
        "chain": [{"i": "a", "t": "div", "c": "msg css-1x2y3z", "x": 3}],
    }
    block = block_from_event(event)
    assert block is not None and block.chain[0].classes == ("msg",), "generated class names are not markup"


def test_passing_states_of_one_side_do_not_make_another_side() -> None:
    """Animation, read and grouping classes differ between messages of one side: no side named."""

    def row(block_id: str, text: str, at: int, *classes: str) -> Block:
        return Block(
            block_id,
            "page",
            text,
            at,
            (
                Node(f"{block_id}-p", "p", ("text",), "", "", 200, 200),
                Node(f"{block_id}-r", "li", ("msg", "human", *classes), "", "", 0, 400),
                LIST,
            ),
        )

    found = attribute(
        [
            row(
                "v", "Guten Tag, kann ich den Tarif wechseln?", 1_050, "slide-fade-enter-active", "nub-on-top"
            ),
            row("x", "Ja, jederzeit zum Monatsende.", 4_000, "msg--read"),
        ],
        SENT,
    )
    assert found[1].side == "unattributed"


def test_live_page_text_and_text_outside_the_message_list_are_never_the_companys() -> None:
    visitor = bubble("v", "r1", "Guten Tag, kann ich den Tarif wechseln?", 1_050)
    page = Node("body", "body", (), "", "", 0, 1000)
    list_in_page = (LIST, page)

    def outside(block_id: str, text: str, at: int) -> Block:
        return Block(
            block_id, "page", text, at, (Node(f"{block_id}-p", "p", ("banner",), "", "", 0, 300), page)
        )

    inside = Block(
        "v", "page", visitor.text, visitor.at_ms, (*visitor.chain, page)
    )  # the visitor's list sits in the page
    clock = [outside("c", f"Es ist 10:42:{second:02d} Uhr", 1_100 + second * 1000) for second in range(4)]
    assert [m.side for m in attribute([inside, *clock], SENT)] == ["visitor"], "a ticking clock is dropped"
    banner = outside("b", "Heute 10 % Rabatt auf alles!", 2_000)
    found = attribute([inside, banner], SENT)
    assert found[1].side == "unattributed" and "outside the message list" in found[1].reasons[0]
    card = Block(
        "k",
        "page",
        "Jana hat den Chat betreten",
        2_500,
        (
            Node("k-p", "p", (), "", "", 0, 300),
            Node("k-r", "section", ("notice",), "", "", 0, 400),
            *list_in_page,
        ),
    )
    assert attribute([inside, card], SENT)[1].side == "unattributed", "another kind of row than the visitor's"
