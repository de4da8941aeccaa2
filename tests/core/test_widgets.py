from django import forms

from ocop.core.widgets import QuickSelect

CHOICES = [("", "---"), ("00004", "Phường Ba Đình"), ("x", 'Tên <b>"lạ"</b>')]


def squeeze(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


def test_renders_the_same_markup_as_djangos_select():
    for value in ("", "00004", "x", None):
        expected = forms.Select(choices=CHOICES, attrs={"id": "id_commune"}).render("commune", value)
        assert QuickSelect(choices=CHOICES, attrs={"id": "id_commune"}).render("commune", value) == squeeze(
            expected
        )


def test_escapes_labels_and_marks_only_the_chosen_option():
    html = QuickSelect(choices=CHOICES).render("commune", "00004")
    assert "&lt;b&gt;&quot;lạ&quot;&lt;/b&gt;" in html
    assert html.count(" selected") == 1
    assert '<option value="00004" selected>Phường Ba Đình</option>' in html


def test_option_groups():
    grouped = [("Tây Ninh", [("80", "Tây Ninh")]), ("Hà Nội", [("01", "Hà Nội")])]
    expected = forms.Select(choices=grouped).render("province", "01")
    assert QuickSelect(choices=grouped).render("province", "01") == squeeze(expected)
