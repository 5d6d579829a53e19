from inference.stop_strings import StopStringFilter


def test_no_stops_pass_everything_through():
    f = StopStringFilter(())
    assert f.feed("hello") == ("hello", False)


def test_stop_inside_one_piece_cuts_before_it():
    f = StopStringFilter(("END",))
    assert f.feed("abcENDxyz") == ("abc", True)


def test_stop_split_across_pieces_is_never_shown():
    f = StopStringFilter(("</stop>",))
    shown = []
    for piece in ["hi </", "st", "op> tail"]:
        text, stopped = f.feed(piece)
        shown.append(text)
        if stopped:
            break
    assert "".join(shown) == "hi "
    assert stopped


def test_false_start_is_released():
    f = StopStringFilter(("END",))
    assert f.feed("the EN") == ("the ", False)
    assert f.feed("gine") == ("ENgine", False)


def test_flush_returns_held_text():
    f = StopStringFilter(("END",))
    assert f.feed("xE") == ("x", False)
    assert f.flush() == "E"


def test_earliest_of_several_stops_wins():
    f = StopStringFilter(("b", "a"))
    assert f.feed("xxabyy") == ("xx", True)
