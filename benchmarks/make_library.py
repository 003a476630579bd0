"""A synthetic project of N missions, modelled on the firm's real fiches, for benchmarks.

    python benchmarks/make_library.py 1000 --seed 1 -o /tmp/projet-1000

Writes a project laid out as `dossier init` makes one: DIR/templates/*.docx (the default
templates) and DIR/references/ with cabinet.yaml, missions/*.yaml, personnes/*.yaml and
productions/*.yaml (`make_library` writes the library folder alone); with
`--fiches K --fiches-dir D`, also K plain-text fiches in the layout of the recent seeds
(tests/fixtures/seeds/000–002), to time `dossier import`. The same N and seed always give
the same files.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.library.vocabulary import COMPOSANTES, fold  # noqa: E402
from generator.library.yamlio import dump_yaml  # noqa: E402

FIRM = "Perspectives Urbaines et Sociales"

TYPES = (
    ("Stratégie et montage de projets", 5),
    ("Accompagnement social", 3),
    ("Montage de projet", 3),
    ("Etudes urbaines", 3),
    ("Concertation", 2),
    ("Assistance à maîtrise d'ouvrage", 2),
    ("Evaluation", 1),
    ("Gestion urbaine de proximité", 1),
)

CITIES = (
    "Bondy", "Montreuil", "Bagnolet", "Noisy-le-Sec", "Pantin", "Romainville", "Neuilly-sur-Marne",
    "Clichy-sous-Bois", "Sevran", "Aulnay-sous-Bois", "Saint-Denis", "Aubervilliers", "Grigny",
    "Marseille", "Nîmes", "Roubaix", "Tourcoing", "Hénin-Beaumont", "Creil", "Mantes-la-Jolie",
    "Évry-Courcouronnes", "Villiers-le-Bel", "Garges-lès-Gonesse", "Argenteuil", "Meaux",
    "Vénissieux", "Vaulx-en-Velin", "Rillieux-la-Pape", "Toulouse", "Montpellier", "Amiens",
    "Le Havre", "Saint-Étienne", "Mulhouse", "Dreux", "Chalon-sur-Saône", "Besançon", "Nancy",
)
EPT = (
    "Est Ensemble", "Plaine Commune", "Paris Terres d'Envol", "Grand Paris Grand Est",
    "Grand-Orly Seine Bièvre", "Paris Est Marne & Bois", "Vallée Sud Grand Paris",
)
AGGLOS = (
    "Communauté d'agglomération d'Hénin Carvin", "Métropole Aix-Marseille-Provence",
    "Métropole Européenne de Lille", "Grand Lyon Métropole", "Nîmes Métropole",
    "Communauté urbaine du Grand Reims", "Amiens Métropole", "Grand Paris Sud",
)
BAILLEURS = (
    "Seine-Saint-Denis Habitat", "Paris Habitat", "CDC Habitat", "ICF Habitat", "Logirep",
    "Vilogia", "Immobilière 3F", "Erilia", "13 Habitat", "Hauts-de-Seine Habitat", "Valophis",
)
STATE = (
    "ANRU", "Agence nationale de la cohésion des territoires", "DDT de Seine-Saint-Denis",
    "Préfecture du Nord", "Caisse des Dépôts", "Banque des Territoires",
)
PARTNERS = (
    "Tracés urbains", "Résonance Urbaine", "FCL", "SPIRE", "Ville Ouverte", "Espacité",
    "Urbanis", "Citémétrie", "Atelier Ruelle", "Trajectoires", "Le Frène", "Alphaville",
)
FIRST = (
    "Valérie", "Claudia", "Ludovic", "Chloé", "Philippe", "Lucie", "Karim", "Sophie", "Thomas",
    "Nadia", "Julien", "Amélie", "Mehdi", "Camille", "Hélène", "Antoine", "Inès", "Olivier",
    "Fatou", "Bruno", "Élodie", "Samir", "Marion", "Yann", "Agnès", "Rachid", "Pauline",
)
LAST = (
    "Embize", "Romero", "Quintana", "Etori", "Basseti", "Melas", "Benali", "Durand", "Lefèvre",
    "Mercier", "Nguyen", "Moreau", "Diallo", "Garnier", "Rousseau", "Haddad", "Fontaine",
    "Chevalier", "Lambert", "Bonnet", "Da Silva", "Girard", "Perrin", "Marchand", "Kaci",
)
FONCTIONS = (
    "Directrice associée", "Directeur associé", "Cheffe de projet", "Chef de projet",
    "Chargée d'études", "Chargé d'études", "Consultante senior", "Consultant senior",
)

OBJECTS = (
    "la coordination et le montage opérationnel et financier des projets de renouvellement urbain",
    "la mise en place d'une démarche de concertation",
    "l'élaboration du projet urbain et social",
    "l'accompagnement social des relogements",
    "la définition de la stratégie de gestion urbaine de proximité",
    "l'évaluation du contrat de ville",
    "la programmation des équipements publics",
    "le pilotage du NPNRU",
    "l'élaboration de la convention d'abattement de TFPB",
    "la définition de la stratégie de peuplement",
    "la mise en œuvre de la charte d'insertion",
    "la réalisation du diagnostic social et urbain",
)
FORMS = (
    "AMO en vue de {obj}", "Mission d'appui relative à {obj}", "Etude pour {obj}",
    "Assistance à maîtrise d'ouvrage pour {obj}", "Accompagnement pour {obj}",
    "Mission d'étude et d'accompagnement pour {obj}",
)
PLACES = (
    "du quartier {q}", "des quartiers prioritaires {de_c}", "du NPNRU {de_c}", "{de_c}",
    "du secteur {q} à {c}", "des {k} quartiers {de_c}",
)
QUARTIERS = (
    "des Marnaudes", "Kennedy", "La Noue", "Les Courtillières", "Le Chêne Pointu", "La Grande Borne",
    "Les Quatre Chemins", "Le Mont-Mesly", "Macé-Darcy", "La Plaine du 7", "Les Indes", "Bel Air",
    "Le Clos Saint-Lazare", "Les Beaudottes", "La Rose des Vents", "Le Petit Nanterre",
)

SENTENCES = (
    "Depuis {year}, {client} porte une politique de renouvellement urbain ambitieuse sur ses quartiers prioritaires.",
    "Le protocole de préfiguration rassemble les engagements contractuels sur les volets transversaux d'échelle territoriale et les programmes d'études par projet.",
    "Ce protocole s'inscrit dans la continuité des principes énoncés dans le contrat de ville.",
    "Dans ce territoire en mutation, la politique de renouvellement urbain constitue un outil majeur pour renouveler les quartiers en difficulté.",
    "Ces quartiers présentent des problématiques liées à l'isolement, à une offre de logement moins adaptée et dépréciée, à des espaces publics peu qualitatifs.",
    "Le quartier {q} fait l'objet d'un projet de renouvellement urbain d'intérêt régional, avec la démolition de {n} logements sociaux.",
    "Le comité d'engagement de l'ANRU a demandé à la collectivité de préciser la programmation, le coût et le calendrier des équipements publics.",
    "La collectivité souhaite s'appuyer sur une assistance extérieure pour structurer la conduite de projet et mobiliser les partenaires.",
    "La concertation avec les habitants, imposée par la loi de programmation pour la ville et la cohésion urbaine, doit être engagée dès la phase de conception.",
    "Le relogement de {n} ménages suppose un accompagnement social individualisé et un suivi partagé avec les bailleurs.",
    "La mission porte sur le secteur {q}, de par à la fois la densité de quartiers inscrits en politique de la ville et la présence de grands projets communautaires.",
    "Cette mission consiste à définir et mettre en œuvre une stratégie intercommunale, avec une forte articulation entre projet urbain et projet social.",
    "L'enjeu est d'articuler le projet urbain avec la gestion quotidienne des espaces et la tranquillité publique.",
    "La démarche vise à faire émerger une vision partagée de l'avenir du quartier entre la ville, les bailleurs et les habitants.",
)
CONTENT = (
    "Mise en place d'un « management de projet participatif » visant à mobiliser les acteurs et à concentrer les énergies pour déterminer l'intérêt général.",
    "Apport d'une vision globale des engagements financiers et opérationnels en matière de renouvellement urbain sur le territoire.",
    "Réalisation d'un diagnostic urbain, socio-économique et social et définition des enjeux d'intervention : entretiens, analyses documentaires, exploitation statistique et cartographique.",
    "Définition des orientations du projet de cohésion sociale et déclinaison en engagements opérationnels.",
    "Animation des démarches partenariales : ateliers thématiques, comités techniques, comités stratégiques et comités de pilotage.",
    "Montage du projet (financier et opérationnel).",
    "Organisation de réunions publiques, de balades urbaines et d'ateliers avec les habitants.",
    "Élaboration de la maquette financière et du calendrier opérationnel des opérations.",
    "Rédaction de la convention pluriannuelle et préparation du passage en comité d'engagement.",
    "Conduite d'entretiens individuels avec les ménages à reloger et suivi de leur parcours résidentiel.",
    "Proposition d'outils basés sur un référentiel commun évolutif permettant un suivi partagé du projet.",
    "Stabiliser les éléments programmatiques, financiers et calendaires liés aux équipements publics.",
    "Initier un dialogue au sein et entre les directions techniques de la Ville sur les équipements envisagés.",
    "Capitalisation de la démarche et rédaction d'un guide méthodologique à destination des partenaires.",
    "Mise en place d'un observatoire social et d'indicateurs de suivi de la gestion urbaine de proximité.",
)


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _slug(text: str, words: int = 6) -> str:
    kept = [w for w in fold(text).split() if len(w) > 2][:words]
    return "-".join(kept)


def _client(rng: random.Random) -> tuple[str, str]:
    """(client, a place to name in the title)."""
    kind = rng.random()
    if kind < 0.45:
        city = rng.choice(CITIES)
        return f"Ville de {city}", city
    if kind < 0.65:
        ept = rng.choice(EPT)
        return ept, ept
    if kind < 0.8:
        return rng.choice(AGGLOS), rng.choice(CITIES)
    if kind < 0.92:
        return rng.choice(BAILLEURS), rng.choice(CITIES)
    return rng.choice(STATE), rng.choice(CITIES)


def _fill(rng: random.Random, text: str, client: str, year: int, city: str) -> str:
    de_c = ("d'" if fold(city)[:1] in "aeiouyh" else "de ") + city
    return text.format(client=client, year=year, q=rng.choice(QUARTIERS), c=city, de_c=de_c,
                       n=rng.randrange(40, 900, 10), k=rng.choice(("trois", "cinq", "12")))


def _amounts(rng: random.Random) -> list:
    value = rng.randrange(8, 260) * 500 + rng.choice((0, 0, 0, 185, 340, 685))
    roll = rng.random()
    if roll < 0.15:
        return []
    if roll < 0.55:
        return [{"valeur": value, "taxe": "HT"}]
    if roll < 0.65:
        return [{"valeur": value, "taxe": "TTC"}]
    if roll < 0.8:
        return [{"valeur": value}]
    firm = [{"valeur": value, "tranche": "ferme"}]
    if roll < 0.92:
        firm.append({"valeur": rng.randrange(4, 60) * 500, "tranche": "optionnelle"})
    else:
        firm[0]["taxe"] = "HT"
        firm.append({"valeur": value * rng.randrange(2, 4), "taxe": "HT", "perimetre": "groupement"})
    return firm


def _years(rng: random.Random) -> dict:
    start = rng.randint(2005, 2026)
    roll = rng.random()
    if start >= 2023 and roll < 0.5:
        return {"debut": start, "en_cours": True}
    if roll < 0.4:
        return {"debut": start}
    return {"debut": start, "fin": min(2026, start + rng.randint(1, 4))}


def people(count: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in names:
            names.append(name)
        elif len(names) >= len(FIRST) * len(LAST):  # pragma: no cover - more people than names
            break
    return names


def mission(index: int, rng: random.Random, staff: list[str]) -> dict:
    client, city = _client(rng)
    years = _years(rng)
    obj = rng.choice(OBJECTS)
    place = _fill(rng, rng.choice(PLACES), client, years["debut"], city)
    titre = rng.choice(FORMS).format(obj=obj) + " " + place
    team = rng.sample(staff, rng.randint(1, min(5, len(staff))))
    equipe = [{"nom": FIRM}]
    for partner in rng.sample(PARTNERS, rng.randint(0, 3)):
        member = {"nom": partner}
        if rng.random() < 0.5:
            member["role"] = rng.choice(("cotraitant", "sous-traitant", "mandataire"))
        equipe.append(member)
    if len(equipe) > 1 and rng.random() < 0.5:
        equipe[0]["role"] = "mandataire"
    paragraphs = []
    for _ in range(rng.randint(1, 3)):
        paragraphs.append(" ".join(_fill(rng, s, client, years["debut"], city)
                                   for s in rng.sample(SENTENCES, rng.randint(2, 4))))
    data = {
        "id": f"{years['debut']}-{_slug(titre)}-{index}",
        "titre": titre,
        "maitre_ouvrage": client,
        "type": _weighted(rng, TYPES),
        "annees": years,
        "directeur": team[0] if rng.random() < 0.7 else None,
        "referent": team[0] if rng.random() < 0.3 else None,
        "equipe": equipe,
        "acteurs": rng.sample((client, "ANRU", "DDT", "Région", "Département", *BAILLEURS[:3]), rng.randint(0, 4)),
        "consultants": team,
        "sites": [f"Quartier {q}" for q in rng.sample(QUARTIERS, rng.randint(0, 3))],
        "montant": _amounts(rng),
        "composantes": sorted(rng.sample(COMPOSANTES, rng.randint(0, 6)), key=COMPOSANTES.index),
        "enjeux": "\n\n".join(paragraphs),
        "contenu": rng.sample(CONTENT, rng.randint(3, 6)),
    }
    return {key: value for key, value in data.items() if value not in (None, [])}


def cabinet() -> dict:
    return {
        "nom": FIRM, "sigle": "PUS", "forme_juridique": "SARL", "adresse": "12 rue de Paris, 93100 Montreuil",
        "effectif": 14,
        "presentation": "Perspectives Urbaines et Sociales accompagne les collectivités et les bailleurs "
                        "dans leurs projets de renouvellement urbain.\n\nLe cabinet réunit urbanistes, "
                        "sociologues et économistes.",
        "domaines": ["Renouvellement urbain", "Politique de la ville", "Concertation"],
        "chiffres_affaires": [{"annee": y, "montant": {"valeur": 900000 + 25000 * (y - 2022), "taxe": "HT"}}
                              for y in (2023, 2024, 2025)],
    }


def _same_mission(data: dict) -> tuple:
    years = data["annees"]
    return fold(data["titre"]), fold(data["maitre_ouvrage"]), years["debut"], years.get("fin"), years.get("en_cours")


def make_library(count: int, out: Path, seed: int = 1) -> list[str]:
    """Write the library; returns the mission ids in the order written."""
    rng = random.Random(seed)
    staff = people(max(6, min(400, count // 25)), rng)
    (out / "missions").mkdir(parents=True, exist_ok=True)
    (out / "personnes").mkdir(parents=True, exist_ok=True)
    (out / "cabinet.yaml").write_text(dump_yaml(cabinet()), encoding="utf-8")
    for name in staff:
        person = {"nom": name, "fonction": rng.choice(FONCTIONS), "annees_experience": rng.randint(2, 30)}
        (out / "personnes" / f"{_slug(name)}.yaml").write_text(dump_yaml(person), encoding="utf-8")
    ids = []
    seen: set[tuple] = set()
    for index in range(count):
        # The same title, client and years twice is an error `check` reports (one mission in two
        # files): a real library has none, so draw again.
        data = mission(index, rng, staff)
        while (key := _same_mission(data)) in seen:
            data = mission(index, rng, staff)
        seen.add(key)
        ids.append(data["id"])
        (out / "missions" / f"{data['id']}.yaml").write_text(dump_yaml(data), encoding="utf-8")
    return ids


def production(index: int, rng: random.Random, ids: list[str]) -> dict:
    """A work sample (extract of a deliverable) attached to one or two missions."""
    return {
        "id": f"production-{index}",
        "titre": f"Fiche action {index + 1} : {rng.choice(OBJECTS)}",
        "nature": rng.choice(("Contrat de ville – fiche action", "Note de synthèse", "Extrait de diagnostic")),
        "numero": f"{rng.randint(1, 4)}.{rng.randint(1, 9)}",
        "missions": rng.sample(ids, min(len(ids), rng.randint(1, 2))),
        "entete": [f"Pilier {rng.randint(1, 3)}", f"Axe {rng.randint(1, 4)}"],
        "sections": [{"titre": "Enjeu", "paragraphes": [rng.choice(SENTENCES).format(
            client="la ville", year=2024, q=rng.choice(QUARTIERS), c="la ville", de_c="de la ville", n=100, k="trois")]},
                     {"titre": "Contexte", "puces": rng.sample(CONTENT, 3)}],
    }


def make_project(count: int, out: Path, seed: int = 1) -> list[str]:
    """A project as `dossier init` lays it out (references/ with productions, templates/), with
    `count` missions; returns the mission ids in the order written."""
    from generator.documents import default_templates

    ids = make_library(count, out / "references", seed)
    rng = random.Random(seed + 2)
    (out / "references" / "productions").mkdir(parents=True, exist_ok=True)
    for index in range(max(2, min(20, count // 500))):
        data = production(index, rng, ids)
        (out / "references" / "productions" / f"{data['id']}.yaml").write_text(dump_yaml(data), encoding="utf-8")
    (out / "templates").mkdir(parents=True, exist_ok=True)
    for name in default_templates.TEMPLATE_NAMES:
        (out / "templates" / f"{name}.docx").write_bytes(default_templates.template_bytes(name))
    return ids


def _fiche_amount(montants: list) -> str:
    if not montants:
        return ""
    first = montants[0]
    text = f"{first['valeur']:,} €".replace(",", " ")
    if first.get("taxe"):
        text += f" {first['taxe']}"
    if first.get("tranche") == "ferme":
        text += " (TF)"
    return text


def fiche_text(data: dict) -> str:
    """One mission as a plain-text fiche in the recent seeds' layout."""
    years = data["annees"]
    annee = str(years["debut"]) + (" - en cours" if years.get("en_cours") else f" - {years['fin']}" if "fin" in years else "")
    lines = [
        data["titre"], "", data["maitre_ouvrage"], "", "", "",
        f"Type de mission: {data['type']}", "",
        f"Maître d'ouvrage: {data['maitre_ouvrage']}", "",
        "Coût du projet :", "",
        f"directeur de mission : {data.get('directeur', '')}", "",
        f"Année: {annee}", "",
        "Equipe: " + ", ".join(m["nom"] for m in data["equipe"]), "",
        "Programme:", "",
        "Acteurs: " + ", ".join(data.get("acteurs", [])), "",
        "Consultants mobilisés: " + ", ".join(data["consultants"]), "",
        f"Montant de la mission: {_fiche_amount(data.get('montant', []))}", "",
        "Composantes de la mission:", "", *(f"- {c}" for c in data.get("composantes", [])), "", "",
        "Enjeux de la mission", "", data["enjeux"], "",
        "Contenu de la mission", "", *(f"- ▶ {c}" for c in data["contenu"]), "",
    ]
    return "\n".join(lines)


def make_fiches(count: int, out: Path, seed: int = 1) -> list[Path]:
    """`count` text fiches, as exported from the firm's Word files, for `dossier import`."""
    rng = random.Random(seed + 1)
    staff = people(12, rng)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = out / f"{index:03d}_fiche.txt"
        path.write_text(fiche_text(mission(index, rng, staff)), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of missions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, help="project folder (default: benchmarks/projet-N)")
    parser.add_argument("--fiches", type=int, default=0, help="also write this many text fiches")
    parser.add_argument("--fiches-dir", type=Path, help="folder of the text fiches (default: OUTPUT-fiches)")
    args = parser.parse_args(argv)
    out = args.output or Path(__file__).parent / f"projet-{args.count}"
    make_project(args.count, out, args.seed)
    print(f"a project of {args.count} missions written to {out}")
    if args.fiches:
        folder = args.fiches_dir or out.with_name(out.name + "-fiches")
        make_fiches(args.fiches, folder, args.seed)
        print(f"{args.fiches} text fiches written to {folder}")


if __name__ == "__main__":
    main()
