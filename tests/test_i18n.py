from babel.messages.pofile import read_po

from lms import ROOT


def test_indonesian_is_the_default_and_english_can_be_chosen(client, sample_course):
    home = client.get("/")
    assert '<html lang="id">' in home.get_data(as_text=True)
    assert "Daftar gratis" in home.get_data(as_text=True)

    response = client.post("/bahasa?next=/kursus", data={"locale": "en"})
    assert response.headers["Location"] == "/kursus"
    english = client.get("/kursus").get_data(as_text=True)
    assert '<html lang="en">' in english and "No courses" not in english and "lessons" in english

    missing = client.get("/tidak-ada")
    assert missing.status_code == 404
    assert "Page not found" in missing.get_data(as_text=True)

    client.post("/bahasa", data={"locale": "id"})
    assert "Halaman tidak ditemukan" in client.get("/tidak-ada").get_data(as_text=True)


def test_unknown_language_is_refused_politely(client):
    response = client.post("/bahasa", data={"locale": "xx"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Pilih bahasa." in response.get_data(as_text=True)


def test_signed_in_user_keeps_their_language(client, trainee):
    client.post("/bahasa", data={"locale": "en"})
    client.delete_cookie("lang")
    assert "My learning" in client.get("/belajar").get_data(as_text=True)


def test_every_message_has_an_indonesian_translation():
    path = ROOT / "lms" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string)
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_template_strings_are_all_in_the_catalogue():
    """A string added to a template or module without running extract-messages is caught."""
    from babel.messages.extract import extract_from_dir

    path = ROOT / "lms" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    method_map = [("lms/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        if filename.startswith(("lms", "templates")):
            found.add(message if isinstance(message, str) else message[0])
    assert found - known == set()


def test_visitors_switch_language_with_a_link_and_get_no_session(client, sample_course):
    home = client.get("/")
    assert "Set-Cookie" not in home.headers  # anonymous pages carry no session
    html = home.get_data(as_text=True)
    assert 'href="/bahasa/en?next=/?"' in html or 'href="/bahasa/en?next=/%3F"' in html
    response = client.get("/bahasa/en?next=/kursus")
    assert response.headers["Location"] == "/kursus"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/kursus").get_data(as_text=True)
    assert client.get("/bahasa/xx").status_code == 404
