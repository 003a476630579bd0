"""New things in a library: a whole project (`dossier init`) and one mission (`dossier new`).

Every file written here is read back through the same validation as the library, so a
new file is never one that `dossier check` would refuse.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from generator.documents import default_templates
from generator.errors import DataError, UsageError
from generator.library.models import Mission
from generator.library.validation import validate
from generator.output import write_atomic
from generator.library.yamlio import MAX_BYTES, dump_yaml, parse_yaml

MISSION_HEADER = "# yaml-language-server: $schema=../../schema/mission.schema.json\n"

CABINET_EXAMPLE = """\
# yaml-language-server: $schema=../schema/cabinet.schema.json
# Le cabinet qui répond aux appels d'offres. Les champs vides sont signalés
# « à compléter » dans le dossier de candidature : remplissez-les. Les valeurs
# marquées [exemple] sont à remplacer : dossier check les signale, --final les refuse.
nom: {nom}
sigle:
forme_juridique:
siret:
adresse:
telephone:
email:
site_web:
representant:
date_creation:
effectif:
presentation: |
  [exemple] Premier paragraphe de présentation du cabinet.

  [exemple] Deuxième paragraphe (les paragraphes sont séparés par une ligne vide).
domaines:
qualifications:
# Chaque année : montant (chiffre d'affaires HT) et part_domaine (la part relative au
# domaine des marchés visés, pour le DC2).
chiffres_affaires:
# Pour les formulaires DC1 / DC2 : qui signe, qui suit la procédure, PME (oui / non),
# effectifs par année (total, encadrement), assurance RC professionnelle.
signataire:
  nom:
  qualite:
correspondant:
pme:
effectifs:
assurance:
moyens_techniques:
"""

MISSION_EXAMPLE = """\
# yaml-language-server: $schema=../../schema/mission.schema.json
# Une référence par fichier. Exemple à remplacer par vos missions (dossier new, dossier import) :
# les valeurs marquées [exemple] sont signalées par dossier check et refusées par --final.
titre: "[exemple] AMO pour la concertation du projet de renouvellement urbain du quartier du Centre"
maitre_ouvrage: "[exemple] Ville d'Exemple"
nature_client: public
contact:
  nom: "[exemple] Jeanne Martin"
  fonction: Directrice du renouvellement urbain
type: Concertation et participation
annees: 2024 - en cours
directeur: "[exemple] Camille Durand"
equipe:
  - nom: {nom}
    role: mandataire
consultants:
  - "[exemple] Camille Durand"
montant:
  - valeur: 35000
    taxe: HT
    tranche: ferme
composantes:
  - Concertation
  - Animation partenariale
enjeux: |
  [exemple] Pourquoi le maître d'ouvrage a lancé la mission, en un ou deux paragraphes.
contenu:
  - "[exemple] Une puce par élément du contenu de la mission."
confidentiel: non
"""

PERSON_EXAMPLE = """\
# yaml-language-server: $schema=../../schema/personne.schema.json
# Les missions de cette personne ne se saisissent pas ici : elles sont déduites des
# champs directeur, referent et consultants des fichiers de missions/.
nom: "[exemple] Camille Durand"
civilite: Mme
fonction: Directrice de mission
formation:
annees_experience:
domaines:
presentation:
"""


def init_project(root: Path, firm: str) -> tuple[list[Path], list[Path]]:
    """A new project in `root`: library with one example of each file, default templates, .gitignore.

    (written, kept): a template or a .gitignore already there is the user's and is kept."""
    references = root / "references"
    if references.exists():
        raise UsageError(f"{references} existe déjà : « dossier init » ne remplace pas une bibliothèque")
    quoted = dump_yaml({"nom": firm}).split(":", 1)[1].strip()
    files = {
        references / "cabinet.yaml": CABINET_EXAMPLE.format(nom=quoted),
        references / "missions" / "2024-amo-concertation-projet-renouvellement-urbain-quartier.yaml":
            MISSION_EXAMPLE.format(nom=quoted),
        references / "personnes" / "camille-durand.yaml": PERSON_EXAMPLE,
        references / "productions" / ".gitkeep": "",
        root / ".gitignore": "outputs/\n~$*\n",
    }
    contents = {path: text.encode("utf-8") for path, text in files.items()}
    contents |= {root / "templates" / f"{name}.docx": default_templates.template_bytes(name)
                 for name in default_templates.TEMPLATE_NAMES}
    kept = [path for path in contents if os.path.lexists(path)]
    written = [write_atomic(path, data) for path, data in contents.items() if path not in kept]
    return written, kept


# An identifier names a file in references/missions/: a name, never a path.
_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
MAX_IDENT = 100


def check_ident(ident: str) -> str:
    """`ident` when it can name a mission file; UsageError saying why not."""
    if not _IDENT.fullmatch(ident):
        raise UsageError(f"--id « {ident} » : un identifiant est un nom, pas un chemin ; lettres sans accent, chiffres "
                         "et tirets seulement (ex. 2024-amo-concertation-bondy)")
    if len(ident) > MAX_IDENT:
        raise UsageError(f"--id : identifiant de {len(ident)} caractères ; au plus {MAX_IDENT}")
    return ident


def mission_text(fields: dict) -> str:
    """The YAML of a new mission: the given fields in the schema's order, empty ones left out."""
    order = list(Mission.model_fields)
    data = {key: fields[key] for key in sorted(fields, key=order.index) if fields[key] not in (None, "", [])}
    return MISSION_HEADER + dump_yaml(data)


def validate_mission(text: str, name: str) -> Mission:
    """The mission the text describes, or DataError with every problem, located by line."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise DataError(f"{name} : mission de {size // 1_000_000} Mo ; « dossier check » refuse un fichier de plus de "
                        f"{MAX_BYTES // 1_000_000} Mo : rien n'a été écrit")
    mission, problems = validate(parse_yaml(text, name), Mission, name)
    if mission is None:
        raise DataError(f"{name} : mission invalide, rien n'a été écrit", problems)
    return mission


def new_mission_text(fields: dict, name: str) -> str:
    """Validated YAML for a new mission, with values written the canonical way
    (« concertation » → « Concertation », « 35 000 » → 35000)."""
    mission = validate_mission(mission_text(fields), name)
    fields = dict(fields, composantes=list(mission.composantes))
    if fields.get("montant"):
        fields["montant"] = [dict(raw, valeur=_plain_number(m.valeur)) for raw, m in zip(fields["montant"], mission.montant)]
    text = mission_text(fields)
    validate_mission(text, name)
    return text


def _plain_number(value):
    return int(value) if value == value.to_integral_value() else value
