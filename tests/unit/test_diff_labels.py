"""Each label of the declared-state diff, on hand-made declarations (no plan needed)."""

from infra.plan import labels
from infra.plan.diff import Change, classify, to_markdown


def res(typ="gcp:filestore/instance:Instance", name="home", **kw):
    base = {"urn": f"urn:pulumi:s::p::{typ}::{name}", "type": typ, "name": name, "parent": None, "custom": True,
            "inputs": {}, "dependencies": [], "protect": False, "retain_on_delete": False, "provider": None,
            "import_id": None, "ignore_changes": []}
    return base | kw


def test_create():
    assert classify(None, res()).label == "create"


def test_import_when_it_appears_with_an_import_id():
    change = classify(None, res(import_id="projects/p/locations/l/instances/home"))
    assert change.label == "import" and change.action == "create"
    assert "adopts `projects/p/locations/l/instances/home`" in to_markdown("gcp", (), [change])


def test_delete():
    change = classify(res(), None)
    assert change.label == "delete" and not change.blocked


def test_forget_when_the_previous_declaration_was_retained():
    change = classify(res(retain_on_delete=True), None)
    assert change.label == "forget (retained)" and change.action == "delete"


def test_update_when_no_replace_forcing_input_changed():
    change = classify(res(inputs={"fileShares": {"capacityGb": 1024}}), res(inputs={"fileShares": {"capacityGb": 2048}}))
    assert (change.label, change.paths, change.replaced_by) == ("update", ["fileShares.capacityGb"], [])


def test_option_change_is_an_update():
    change = classify(res(retain_on_delete=True), res(retain_on_delete=False))
    assert (change.label, change.paths) == ("update", ["(retain_on_delete)"])


def test_replace_when_a_forcing_input_changed():
    change = classify(res(inputs={"tier": "BASIC_HDD"}), res(inputs={"tier": "BASIC_SSD"}))
    assert (change.label, change.replaced_by) == ("replace", ["tier"])
    nested = classify(res(inputs={"fileShares": {"name": "home"}}), res(inputs={"fileShares": {"name": "homes"}}))
    assert nested.label == "replace"


def test_replace_for_each_listed_example():
    cases = [
        ("kubernetes:helm.sh/v3:Release", {"name": "a"}, {"name": "b"}),
        ("kubernetes:batch/v1:Job", {"metadata": {"name": "sync-1"}}, {"metadata": {"name": "sync-2"}}),
        ("kubernetes:core/v1:Namespace", {"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}),
        ("gcp:container/cluster:Cluster", {"location": "us-central1-b"}, {"location": "us-central1-c"}),
        ("gcp:container/nodePool:NodePool", {"nodeConfig": {"spot": False}}, {"nodeConfig": {"spot": True}}),
        ("aws:eks/nodeGroup:NodeGroup", {"subnetIds": ["a", "b"]}, {"subnetIds": ["a", "b", "c"]}),
        ("aws:efs/fileSystem:FileSystem", {"encrypted": False}, {"encrypted": True}),
        ("aws:efs/fileSystem:FileSystem", {"performanceMode": "generalPurpose"}, {"performanceMode": "maxIO"}),
        ("random:index/randomBytes:RandomBytes", {"length": 32}, {"length": 64}),
    ]
    for typ, old, new in cases:
        assert classify(res(typ, inputs=old), res(typ, inputs=new)).label == "replace", typ


def test_not_replace_for_updatable_inputs_of_the_same_types():
    cases = [
        ("kubernetes:helm.sh/v3:Release", {"version": "1"}, {"version": "2"}),
        ("kubernetes:core/v1:Namespace", {"metadata": {"labels": {"a": "1"}}}, {"metadata": {"labels": {"a": "2"}}}),
        ("gcp:container/nodePool:NodePool", {"autoscaling": {"maxNodeCount": 3}}, {"autoscaling": {"maxNodeCount": 4}}),
        # a node upgrade in place since terraform-provider-google 5.10
        ("gcp:container/nodePool:NodePool", {"nodeConfig": {"machineType": "n2-highmem-4"}},
         {"nodeConfig": {"machineType": "n2-highmem-8"}}),
        ("aws:efs/fileSystem:FileSystem", {"throughputMode": "bursting"}, {"throughputMode": "elastic"}),
        ("some:unknown/type:Type", {"name": "a"}, {"name": "b"}),
    ]
    for typ, old, new in cases:
        assert classify(res(typ, inputs=old), res(typ, inputs=new)).label == "update", typ


def test_ignored_inputs_are_no_change_and_do_not_force_a_replace():
    before = res("gcp:container/cluster:Cluster", inputs={"network": "a", "name": "c"}, ignore_changes=["network"])
    assert classify(before, before | {"inputs": {"network": "b", "name": "c"}}) is None


def test_protect_blocks_delete_forget_and_replace_and_is_shown():
    protected = res(protect=True, retain_on_delete=True, inputs={"tier": "BASIC_HDD"})
    forget = classify(protected, None)
    replace = classify(protected, protected | {"inputs": {"tier": "BASIC_SSD"}})
    assert forget.blocked and replace.blocked
    text = to_markdown("gcp", (), [forget, replace])
    assert "protected: the engine refuses to forget it" in text and "protected: the engine refuses to replace it" in text
    assert "2 protected resource(s)" in text
    update = classify(protected, protected | {"inputs": {"tier": "BASIC_HDD"}, "dependencies": ["x"]})
    assert update is None  # dependencies alone are not a change
    created = classify(None, res(protect=True))
    assert not created.blocked and "| protect |" in to_markdown("gcp", (), [created])


def test_every_table_entry_names_a_source_and_the_labels_are_all_counted():
    for typ, (paths, source) in labels.REPLACE_ON_CHANGES.items():
        assert paths and source, typ
    changes = [classify(None, res(name="a")), classify(None, res(name="b", import_id="x")),
               classify(res(name="c"), None), classify(res(name="d", retain_on_delete=True), None)]
    assert to_markdown("gcp", (), changes).rstrip().endswith(
        "1 to create, 1 to import, 1 to delete, 1 to forget (retained)")


def test_change_without_a_label_keeps_the_old_three_actions():
    assert [Change(a, res()).label for a in ("create", "update", "delete")] == ["create", "update", "delete"]
