"""Word templates of the candidature forms DC1, DC2 and DC4, section by section.

They follow the structure and headings of the forms of the Direction des affaires
juridiques of the ministry of the economy (DC1 and DC2 in their 2019 versions, the DC2
updated in 2023, the DC4 of October 2023): the same lettered sections in the same order,
filled from the firm's and the bid's data. The variables are documented in `forms.py`.
"""

from __future__ import annotations

from docx.shared import Pt

from generator.documents.default_templates import LIGHT, listed, loop_rows, missing_or, new_document, references_table, table, tag
from generator.documents import docx_xml


def _header(doc, code: str, title: str, subtitle: str) -> None:
    band = table(doc, [13.0, 4.0])
    cells = band.add_row().cells
    cells[0].paragraphs[0].text = "MARCHÉS PUBLICS ET ACCORDS-CADRES"
    cells[0].paragraphs[0].style = doc.styles["Libellé"]
    cells[1].paragraphs[0].text = code
    cells[1].paragraphs[0].style = doc.styles["Libellé"]
    docx_xml.shade_cell(cells[1], LIGHT)
    doc.add_paragraph(title, style=doc.styles["Title"])
    doc.add_paragraph(subtitle, style=doc.styles["Subtitle"])
    doc.add_paragraph("{{ consultation.objet }}{% if consultation.numero %} — consultation n° {{ consultation.numero }}"
                      "{% endif %}", style=doc.styles["Petit"])


def _section(doc, text: str, note: str = "") -> None:
    doc.add_paragraph(text, style=doc.styles["Heading 1"])
    if note:
        paragraph = doc.add_paragraph(note, style=doc.styles["Petit"])
        paragraph.runs[0].italic = True


def _rows(doc, items: str) -> None:
    """A two-column table « libellé | valeur », « à compléter » in red for an empty value."""
    widths = [5.5, 11.5]
    t = table(doc, widths)
    repeated = loop_rows(doc, t, f"for c in {items}", ["{{ c.libelle }}", ""], widths)
    repeated.cells[0].paragraphs[0].style = doc.styles["Libellé"]
    docx_xml.shade_cell(repeated.cells[0], LIGHT)
    missing_or(doc, repeated.cells[1], "c.valeur")


def _cases(doc, items: str) -> None:
    """One line per box: ☒ or ☐ then its text."""
    tag(doc, f"{{%p for c in {items} %}}")
    line = doc.add_paragraph()
    line.paragraph_format.space_after = Pt(2)
    line.add_run("{{ c.case }}").font.name = "DejaVu Sans"
    line.add_run("  {{ c.texte }}")
    tag(doc, "{%p endfor %}")


def _text(doc, text: str) -> None:
    doc.add_paragraph(text).paragraph_format.alignment = 3  # justified


def _buyer_and_object(doc) -> None:
    _section(doc, "A - Identification de l'acheteur", "(Reprendre la mention figurant dans les documents de la consultation.)")
    _rows(doc, "acheteur")
    _section(doc, "B - Objet de la consultation", "(Reprendre la mention figurant dans les documents de la consultation.)")
    _rows(doc, "consultation.lignes")


def _signature(doc) -> None:
    widths = [5.0, 5.0, 7.0]
    t = table(doc, widths, ["Nom, prénom et qualité du signataire", "Lieu et date de signature", "Signature"])
    repeated = loop_rows(doc, t, "for s in signataires", ["", "", ""], widths)
    cell = repeated.cells[0]
    missing_or(doc, cell, "s.signataire")
    cell.add_paragraph("{{ s.membre }}", style=doc.styles["Petit"])


def dc1_template():
    doc = new_document("Lettre de candidature (DC1)", tender_footer=False)
    _header(doc, "DC1", "LETTRE DE CANDIDATURE", "Désignation du mandataire par ses co-traitants")
    _buyer_and_object(doc)
    _section(doc, "C - Objet de la candidature", "(Cocher la case correspondante.)")
    doc.add_paragraph("La candidature est présentée\u00a0:")
    _cases(doc, "objet_candidature")
    _section(doc, "D - Présentation du candidat", "(Cocher la case correspondante.)")
    _cases(doc, "presentation")
    _section(doc, "E - Identification du candidat individuel ou des membres du groupement et répartition des prestations")
    tag(doc, "{%p for m in membres %}")
    doc.add_paragraph("{{ m.titre }}", style=doc.styles["Heading 3"])
    _rows(doc, "m.champs")
    tag(doc, "{%p endfor %}")
    _section(doc, "F - Engagements du candidat individuel ou de chaque membre du groupement")
    doc.add_paragraph("F1 - Attestations sur l'honneur", style=doc.styles["Heading 2"])
    _text(doc, "Le candidat individuel, ou chacun des membres du groupement, déclare sur l'honneur n'entrer dans aucun "
          "des cas d'exclusion prévus aux articles L. 2141-1 à L. 2141-5 et L. 2141-7 à L. 2141-10 du code de la "
          "commande publique, et être en règle au regard des articles L. 5212-1 à L. 5212-11 du code du travail "
          "concernant l'emploi des travailleurs handicapés.")
    doc.add_paragraph("F2 - Capacités", style=doc.styles["Heading 2"])
    _cases(doc, "capacites")
    doc.add_paragraph("F3 - Documents de preuve disponibles en ligne", style=doc.styles["Heading 2"])
    _text(doc, "{{ preuves_en_ligne }}")
    _section(doc, "G - Désignation du mandataire (en cas de groupement d'entreprises)")
    tag(doc, "{%p if groupement %}")
    doc.add_paragraph("G1 - Désignation du mandataire", style=doc.styles["Heading 2"])
    _rows(doc, "groupement")
    _cases(doc, "mandataire_cases")
    doc.add_paragraph("G2 - Habilitation du mandataire", style=doc.styles["Heading 2"])
    _text(doc, "Les membres du groupement donnent mandat au mandataire désigné ci-dessus pour signer l'offre du "
          "groupement, le représenter vis-à-vis de l'acheteur et coordonner les prestations des membres du groupement.")
    tag(doc, "{%p else %}")
    doc.add_paragraph("Sans objet\u00a0: le candidat se présente seul.")
    tag(doc, "{%p endif %}")
    doc.add_paragraph("Signature", style=doc.styles["Heading 2"])
    doc.add_paragraph("Le candidat individuel ou chacun des membres du groupement atteste de l'exactitude des "
                      "renseignements de la présente lettre, du DC2 et de leurs annexes.", style=doc.styles["Petit"])
    _signature(doc)
    return doc


def dc2_template():
    doc = new_document("Déclaration du candidat (DC2)", tender_footer=False)
    _header(doc, "DC2", "DÉCLARATION DU CANDIDAT INDIVIDUEL OU DU MEMBRE DU GROUPEMENT",
            "{{ candidat.nom }}{% if candidat.mandataire %} — mandataire du groupement{% endif %}")
    _buyer_and_object(doc)
    _section(doc, "C - Identification du candidat individuel ou du membre du groupement")
    doc.add_paragraph("C1 - Cas général", style=doc.styles["Heading 2"])
    _rows(doc, "candidat.identite")
    doc.add_paragraph("C2 - Cas particuliers", style=doc.styles["Heading 2"])
    doc.add_paragraph("Sans objet (marché non réservé).")
    _section(doc, "D - Renseignements relatifs à l'aptitude à exercer l'activité professionnelle")
    tag(doc, "{%p for q in candidat.qualifications %}")
    doc.add_paragraph("{{ q }}", style=doc.styles["List Bullet"])
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not candidat.qualifications %}")
    doc.add_paragraph("Inscription au registre du commerce et des sociétés\u00a0: voir l'extrait Kbis joint.")
    tag(doc, "{%p endif %}")
    _section(doc, "E - Capacité économique et financière du candidat individuel ou du membre du groupement")
    doc.add_paragraph("Chiffre d'affaires hors taxes des trois derniers exercices disponibles", style=doc.styles["Heading 3"])
    widths = [3.5, 6.75, 6.75]
    t = table(doc, widths, ["Exercice", "Chiffre d'affaires global HT", "Part du chiffre d'affaires relative à l'objet du marché"])
    repeated = loop_rows(doc, t, "for ca in candidat.chiffres_affaires", ["{{ ca.exercice }}", "", ""], widths)
    missing_or(doc, repeated.cells[1], "ca.global")
    missing_or(doc, repeated.cells[2], "ca.domaine")
    doc.add_paragraph("Assurance des risques professionnels", style=doc.styles["Heading 3"])
    _rows(doc, "candidat.assurance")
    _section(doc, "F - Capacités techniques et professionnelles du candidat individuel ou du membre du groupement")
    doc.add_paragraph("Effectifs moyens annuels", style=doc.styles["Heading 3"])
    t = table(doc, widths, ["Année", "Effectif moyen annuel", "Dont personnel d'encadrement"])
    repeated = loop_rows(doc, t, "for e in candidat.effectifs", ["{{ e.annee }}", "", ""], widths)
    missing_or(doc, repeated.cells[1], "e.total")
    missing_or(doc, repeated.cells[2], "e.encadrement")
    listed(doc, "candidat.moyens_techniques", "Outillage, matériel et équipement technique")
    tag(doc, "{%p if references %}")
    doc.add_paragraph("Principales prestations de services des trois dernières années", style=doc.styles["Heading 3"])
    doc.add_paragraph("Montant, date et destinataire public ou privé (détail dans le dossier de candidature joint).",
                      style=doc.styles["Petit"])
    references_table(doc, optional_columns=False)
    tag(doc, "{%p endif %}")
    _section(doc, "G - Capacités des autres opérateurs économiques sur lesquels le candidat s'appuie")
    tag(doc, "{%p for s in candidat.sous_traitants %}")
    doc.add_paragraph("{{ s }}", style=doc.styles["List Bullet"])
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not candidat.sous_traitants %}")
    doc.add_paragraph("Sans objet.")
    tag(doc, "{%p endif %}")
    _section(doc, "H - Documents de preuve disponibles en ligne")
    _text(doc, "{{ preuves_en_ligne }}")
    return doc


def dc4_template():
    doc = new_document("Déclaration de sous-traitance (DC4)", tender_footer=False)
    _header(doc, "DC4", "DÉCLARATION DE SOUS-TRAITANCE", "{{ sous_traitant.nom }}")
    _buyer_and_object(doc)
    _section(doc, "C - Objet de la déclaration du sous-traitant")
    _cases(doc, "objet_declaration")
    _section(doc, "D - Identification du soumissionnaire ou du titulaire du marché public")
    _rows(doc, "soumissionnaire")
    _section(doc, "E - Identification du sous-traitant")
    _rows(doc, "sous_traitant.identite")
    _section(doc, "F - Nature et prix des prestations sous-traitées")
    _rows(doc, "sous_traitant.prestations")
    _section(doc, "G - Conditions de paiement")
    _text(doc, "Le sous-traitant direct accepté et dont les conditions de paiement sont agréées est payé directement "
          "par l'acheteur pour la part du marché qu'il exécute. Compte à créditer\u00a0: relevé d'identité bancaire du "
          "sous-traitant à joindre.")
    _section(doc, "H - Capacités du sous-traitant")
    _text(doc, "Le sous-traitant justifie de ses capacités par les documents joints à la présente déclaration.")
    _section(doc, "I - Durée du contrat de sous-traitance")
    _rows(doc, "sous_traitant.duree")
    _section(doc, "J - Attestations sur l'honneur du sous-traitant")
    _text(doc, "Le sous-traitant déclare sur l'honneur n'entrer dans aucun des cas d'exclusion prévus aux articles "
          "L. 2141-1 à L. 2141-5 et L. 2141-7 à L. 2141-10 du code de la commande publique.")
    _section(doc, "K - Cession ou nantissement des créances résultant du marché public")
    _text(doc, "Sans objet au stade de l'offre.")
    _section(doc, "L - Acceptation et agrément des conditions de paiement du sous-traitant")
    _signature(doc)
    return doc


BUILDERS = {"dc1": dc1_template, "dc2": dc2_template, "dc4": dc4_template}
