"""The code model: titles, tree, kinds, billable flag, own and inherited notes, 7th characters."""

from __future__ import annotations

from datetime import date

import pytest

from icd10ls.codeset.model import NOTE_LABELS, CodeSet
from icd10ls.codeset.tabular import KIND_SECTION, NOTE_KINDS, compile_tabular


def names(codeset, nodes):
    return [codeset.display_name(n) for n in nodes]


def test_a_code_its_title_parent_children_and_kind(cs2026):
    info = cs2026.get("E11.22")
    assert info.code == "E11.22" and info.billable and info.kind == "code"
    assert info.title == "Type 2 diabetes mellitus with diabetic chronic kidney disease"
    assert names(cs2026, cs2026.ancestors(info.node)) == ["E11.2", "E11", "E08-E13", "Chapter 4"]
    parent = cs2026.get("E11.2")
    assert cs2026.parent_of(info.node) == parent.node
    assert parent.kind == "subcategory" and not parent.billable
    assert names(cs2026, cs2026.children_of(parent.node)) == ["E11.21", "E11.22", "E11.29"]
    assert cs2026.get("E11").kind == "category"
    section = cs2026.parent_of(cs2026.get("E11").node)
    assert cs2026.kind_of(section) == "section" and cs2026.title_of(section) == "Diabetes mellitus (E08-E13)"
    chapter = cs2026.parent_of(section)
    assert cs2026.kind_of(chapter) == "chapter" and cs2026.parent_of(chapter) == -1
    assert cs2026.title_of(chapter) == "Endocrine, nutritional and metabolic diseases (E00-E89)"


def test_lookup_accepts_what_a_coder_types(cs2026):
    for typed in ("e1122", " E11.22 ", "E1122"):
        assert cs2026.get(typed).code == "E11.22"
    assert cs2026.get("Z99.999") is None
    assert cs2026.get("CKD") is None
    assert cs2026.get("") is None
    assert "E11.22" in cs2026 and "S06.0X1A" in cs2026 and "E11.23" not in cs2026


def test_a_seventh_character_code(cs2026):
    info = cs2026.get("S06.0X1A")
    assert info.billable and info.kind == "code" and info.base_code == "S06.0X1" and info.seventh == "A"
    assert info.title == "Concussion with loss of consciousness of 30 minutes or less, initial encounter"
    header = cs2026.get("S06.0X1")
    assert not header.billable and header.needs_seventh and not info.needs_seventh
    seventh = header.seventh_characters
    assert seventh.source == "S06"
    assert seventh.allowed == (("A", "initial encounter"), ("D", "subsequent encounter"), ("S", "sequela"))


def test_a_section_and_a_category_of_the_same_name(cs2026):
    """Section `B10` comes just before category `B10`: the code is the category."""
    assert cs2026.get("B10").kind == "category"
    section = cs2026.section_by_id("B10")
    assert cs2026.kind_of(section) == "section" and cs2026.title_of(section) == "Other human herpesviruses (B10)"


def test_billable_flag_across_kinds(cs2026, cs2025):
    assert cs2026.get("I10").billable  # a billable category
    assert not cs2026.get("E11").billable and not cs2026.get("E11.2").billable
    assert cs2025.get("G35").billable and not cs2026.get("G35").billable
    assert not cs2026.get("T07").billable and cs2026.get("T07.XXXA").billable


def test_every_note_kind_is_read(cs2026):
    seen = {kind for node in range(len(cs2026)) for kind, _texts in cs2026.own_notes(node)}
    assert seen == set(NOTE_KINDS) == set(NOTE_LABELS)


@pytest.mark.parametrize(
    ("code", "kind", "text"),
    [
        ("E11", "includes", "diabetes NOS"),
        ("S06.0X1", "inclusionTerm", "Concussion with brief loss of consciousness"),
        ("E11", "excludes1", "type 1 diabetes mellitus (E10.-)"),
        ("F02", "excludes2", "vascular dementia (F01.5-, F01.A-, F01.B-, F01.C-)"),
        ("F02", "codeFirst", "Alzheimer's (G30.-)"),
        ("E11.22", "useAdditionalCode", "code to identify stage of chronic kidney disease (N18.1-N18.6)"),
        ("S06", "codeAlso", "skull fracture (S02.-)"),
        ("S06", "sevenChrNote",
         "The appropriate 7th character is to be added to each code from category S06, except as noted below"),
        ("S06", "notes", "7th characters D and S do not apply to codes in category S06 with 6th character 7 - "
         "death due to brain injury prior to regaining consciousness, or 8 - death due to other cause prior to "
         "regaining consciousness."),
    ],
)
def test_own_notes_of_every_kind(cs2026, code, kind, text):
    notes = dict(cs2026.own_notes(cs2026.get(code).node))
    assert text in notes[kind]


def test_inherited_notes_are_labelled_with_their_source(cs2026):
    notes = cs2026.notes_in_effect(cs2026.get("S06.0X1A").node)
    own = [n for n in notes if not n.inherited]
    assert [(n.kind, n.source, n.texts) for n in own] == [
        ("inclusionTerm", "S06.0X1", ("Concussion with brief loss of consciousness",))]
    head_injury = [n for n in notes if "head injury NOS (S09.90)" in n.texts]
    assert [(n.kind, n.source, n.source_kind, n.inherited) for n in head_injury] == [
        ("excludes1", "S06", "category", True)]
    assert head_injury[0].label == "Excludes1"
    chapter = [n for n in notes if n.source == "Chapter 19"]
    assert {n.kind for n in chapter} == {"notes", "useAdditionalCode", "excludes2"}
    assert all(n.source_kind == "chapter" and n.inherited for n in chapter)
    assert any("birth trauma (P10-P15)" in n.texts for n in chapter)
    assert any(n.source == "S00-S09" and n.source_kind == "section" for n in notes)
    # nearest first: the code, S06.0, S06, the section, the chapter
    order = [n.source for n in notes]
    assert order.index("S06.0X1") < order.index("S06.0") < order.index("S06") < order.index("S00-S09") \
        < order.index("Chapter 19")
    assert [n.kind for n in cs2026.notes_of_kind(cs2026.get("S06.0X1A").node, "excludes1")] == ["excludes1"] * 2


def test_a_range_section_without_codes_of_its_own_passes_its_notes_down(cs2026):
    """V00-V99 holds only sections in the XML, yet every transport code is under its notes."""
    section = cs2026.section_by_id("V00-V99")
    assert all(cs2026.compiled.kinds[c] == KIND_SECTION for c in cs2026.children_of(section))
    notes = cs2026.notes_in_effect(cs2026.get("V00.01XA").node)
    from_section = {n.kind for n in notes if n.source == "V00-V99"}
    assert from_section == {"notes", "useAdditionalCode", "excludes1", "excludes2"}
    assert all(n.source_kind == "section" and n.inherited for n in notes if n.source == "V00-V99")
    assert names(cs2026, cs2026.ancestors(cs2026.get("V00.01XA").node)) == [
        "V00.0", "V00", "V00-V09", "V00-V99", "V00-X58", "Chapter 20"]
    assert any(n.source == "V00-V99" and "Airbag injury (W22.1)" in n.texts for n in notes)


def test_cancer_codes_sit_under_the_malignant_neoplasm_ranges(cs2026):
    """In CMS's files C00-C96 and C00-C75 hold only sections (and carry no notes of their own)."""
    for code, path in [
        ("C50.911", ["C50.91", "C50.9", "C50", "C50", "C00-C75", "C00-C96", "Chapter 2"]),
        ("C7A.00", ["C7A.0", "C7A", "C7A", "C00-C96", "Chapter 2"]),
        ("C81.00", ["C81.0", "C81", "C81-C96", "C00-C96", "Chapter 2"]),
    ]:
        node = cs2026.get(code).node
        assert names(cs2026, cs2026.ancestors(node)) == path
        assert any(n.source == "Chapter 2" and "Functional activity" in n.texts
                   for n in cs2026.notes_in_effect(node))
    assert cs2026.own_notes(cs2026.section_by_id("C00-C96")) == ()


def test_notes_of_a_childless_range_section_reach_its_codes():
    """A range section with notes but no codes of its own, followed by its sub-ranges."""
    xml = """<ICD10CM.tabular><version>2026</version>
      <chapter><name>2</name><desc>Neoplasms (C00-D49)</desc>
        <notes><note>chapter note</note></notes>
        <section id="C00-C96"><desc>Malignant neoplasms (C00-C96)</desc>
          <excludes1><note>secondary neoplasm NOS (C79.9)</note></excludes1></section>
        <section id="C00-C14"><desc>Lip, oral cavity and pharynx (C00-C14)</desc>
          <diag><name>C00</name><desc>Malignant neoplasm of lip</desc>
            <diag><name>C00.0</name><desc>Malignant neoplasm of external upper lip</desc></diag></diag>
        </section>
        <section id="D00-D09"><desc>In situ neoplasms (D00-D09)</desc>
          <diag><name>D00</name><desc>Carcinoma in situ of oral cavity</desc></diag>
        </section>
      </chapter></ICD10CM.tabular>""".encode()
    codeset = CodeSet(compile_tabular(xml), fiscal_year=2026, effective=date(2025, 10, 1), release="test")
    notes = codeset.notes_in_effect(codeset.get("C00.0").node)
    assert [(n.kind, n.source, n.texts) for n in notes] == [
        ("excludes1", "C00-C96", ("secondary neoplasm NOS (C79.9)",)),
        ("notes", "Chapter 2", ("chapter note",)),
    ]
    assert [n.source for n in codeset.notes_in_effect(codeset.get("D00").node)] == ["Chapter 2"]


def test_a_category_section_range_and_the_chapter_range(cs2026):
    assert cs2026.range_of(cs2026.section_by_id("E08-E13")) == ("E08", "E13")
    assert cs2026.range_of(cs2026.chapter_by_number("4")) == ("E00", "E89")
    assert cs2026.billable_below(cs2026.get("E11.2").node) == ["E11.21", "E11.22", "E11.29"]
    expected = sorted(c for c in cs2026.billable_codes() if "E08" <= c[:3] <= "E13")
    assert cs2026.billable_below(cs2026.section_by_id("E08-E13")) == expected
    assert {c[:3] for c in expected} == {"E08", "E09", "E10", "E11", "E13"}
