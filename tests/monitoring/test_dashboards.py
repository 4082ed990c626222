"""The JupyterHub dashboards compile from the pinned source, every one of them, and a broken source says what is wrong."""

import tarfile

import pytest

from components.monitoring.dashboards import SourceError, compile_dashboards


def _jsonnet_dashboards(archive_path) -> set[str]:
    """The stems of `dashboards/*.jsonnet` in the archive, whatever folder wraps them."""
    with tarfile.open(archive_path) as archive:
        names = [m.name.split("/") for m in archive.getmembers() if m.isfile()]
    return {parts[-1].removesuffix(".jsonnet") for parts in names
            if len(parts) >= 2 and parts[-2] == "dashboards" and parts[-1].endswith(".jsonnet")}


def test_every_dashboard_of_the_source_compiles(source, compiled):
    assert set(compiled) == _jsonnet_dashboards(source)
    for name, dashboard in compiled.items():
        assert dashboard["title"] and dashboard["panels"], name
    uids = [d["uid"] for d in compiled.values()]
    assert all(uids) and len(set(uids)) == len(uids)


def test_a_checkout_compiles_as_the_archive_does(source, compiled, tmp_path):
    with tarfile.open(source) as archive:
        archive.extractall(tmp_path, filter="data")
    (tree,) = tmp_path.iterdir()
    assert compile_dashboards(tree) == compiled


def _tree(root, dashboards: dict[str, str], vendor: bool = True):
    (root / "dashboards").mkdir(parents=True)
    (root / "jsonnetfile.json").write_text("{}")
    if vendor:
        (root / "vendor").mkdir()
    for name, text in dashboards.items():
        (root / "dashboards" / f"{name}.jsonnet").write_text(text)
    return root


def test_a_missing_source_names_its_path(tmp_path):
    with pytest.raises(SourceError, match=f"{tmp_path / 'absent.tar.gz'} does not exist"):
        compile_dashboards(tmp_path / "absent.tar.gz")


def test_a_checkout_without_vendor_says_to_run_jb(tmp_path):
    with pytest.raises(SourceError, match="has no vendor/ folder: run `jb install`"):
        compile_dashboards(_tree(tmp_path / "src", {"a": "{}"}, vendor=False))


def test_a_folder_that_is_not_the_repository_is_refused(tmp_path):
    with pytest.raises(SourceError, match="no jsonnetfile.json"):
        compile_dashboards(tmp_path)


def test_a_jsonnet_error_names_the_dashboard(tmp_path):
    with pytest.raises(SourceError, match=r"dashboards/broken.jsonnet: .*broken.jsonnet:1"):
        compile_dashboards(_tree(tmp_path / "src", {"fine": "{title: 'x'}", "broken": "{title: }"}))


def test_a_dashboard_without_uid_gets_its_name(tmp_path):
    compiled = compile_dashboards(_tree(tmp_path / "src", {"cluster": "{title: 'x'}", "hub": "{uid: 'hub-1'}"}))
    assert {name: d["uid"] for name, d in compiled.items()} == {"cluster": "cluster", "hub": "hub-1"}
