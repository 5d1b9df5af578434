import pytest

from connectors.dropfolder import StabilityTracker, content_type_for, is_ignored, refusal


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("story.txt", "text/plain"),
        ("page.HTML", "text/html"),
        ("page.htm", "text/html"),
        ("item.json", "application/json"),
        ("item.xml", "application/vnd.iptc.g2.newsitem+xml"),
        ("photo.jpg", None),
        ("README", None),
    ],
)
def test_content_type_comes_from_the_extension(name: str, expected: str | None) -> None:
    assert content_type_for(name) == expected


@pytest.mark.parametrize("name", [".hidden.txt", "story.txt.part", "story.tmp", "~$story.html", "story.txt~"])
def test_dotfiles_and_partial_files_are_ignored(name: str) -> None:
    assert is_ignored(name)


def test_finished_files_are_not_ignored() -> None:
    assert not is_ignored("story.txt")
    assert not is_ignored("2026-11-03.part-two.json")


def test_a_file_is_ready_only_once_size_and_mtime_held_for_two_polls() -> None:
    tracker = StabilityTracker()
    assert tracker.observe({"a.txt": (10, 1), "b.txt": (5, 1)}) == []
    assert tracker.observe({"a.txt": (20, 2), "b.txt": (5, 1)}) == ["b.txt"]  # a.txt is still growing
    assert tracker.observe({"a.txt": (20, 2)}) == ["a.txt"]
    assert tracker.observe({"a.txt": (20, 3)}) == []  # touched again: wait another poll


def test_refusals_name_unknown_extensions_and_the_size_cap() -> None:
    assert refusal("story.txt", 100, 1000) is None
    assert refusal("story.txt", 1000, 1000) is None
    code, reason = refusal("story.txt", 1001, 1000) or ("", "")
    assert code == "too_large"
    assert "1000" in reason
    code, reason = refusal("scan.pdf", 10, 1000) or ("", "")
    assert code == "unknown_extension"
    assert ".pdf" in reason
