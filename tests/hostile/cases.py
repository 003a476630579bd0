"""The hostile corpus: bad files a consultant could save, and the one line each must produce.

Each case is (name, file under the project, content, expected line of `check`, exit code
of `check`, exit code of `build`). Contents are bytes where the encoding is the point.
"""

from __future__ import annotations

M = "references/missions/zz.yaml"
P = "references/personnes/zz.yaml"
PROD = "references/productions/zz.yaml"
CAB = "references/cabinet.yaml"


def _laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        previous, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\ntitre: x\n"


ERR = 2
OK = 0

CASES = [
    # --- YAML syntax and structure ---------------------------------------------------------
    ("cle-en-double", M, "titre: Une étude\nmaitre_ouvrage: Ville\ntitre: Une autre\n",
     f"{M}:3: champ 'titre' : clé en double (déjà définie ligne 1) : la seconde écraserait la première", ERR, ERR),
    ("tabulation", M, "titre: x\n\tmaitre_ouvrage: Ville\n",
     f"{M}:2: syntaxe YAML invalide : tabulation interdite en YAML, indentez avec des espaces", ERR, ERR),
    ("balise-python", M, "titre: !!python/object:os.system x\n",
     f"{M}:1: champ 'titre' : balise YAML « !!python/object:os.system » refusée : écrivez la valeur sans balise", ERR, ERR),
    ("balise-python-apply", M, "titre: x\nsource: !!python/object/apply:os.system [\"ls\"]\n",
     f"{M}:2: champ 'source' : balise YAML « !!python/object/apply:os.system » refusée : écrivez la valeur sans balise", ERR, ERR),
    ("balise-locale", M, "titre: !secret x\n",
     f"{M}:1: champ 'titre' : balise YAML « !secret » refusée : écrivez la valeur sans balise", ERR, ERR),
    ("fichier-vide", M, "",
     f"{M}:1: le fichier est vide", ERR, ERR),
    ("fichier-blanc", M, "   \n\n  \n",
     f"{M}:1: le fichier est vide", ERR, ERR),
    ("que-des-commentaires", M, "# titre: à faire\n",
     f"{M}:1: le fichier ne contient que des commentaires", ERR, ERR),
    ("liste-au-lieu-de-champs", M, "- titre: x\n- titre: y\n",
     f"{M}:1: le fichier contient une liste ; attendu : des champs « clé: valeur »", ERR, ERR),
    ("texte-au-lieu-de-champs", M, "Étude urbaine\n",
     f"{M}:1: le fichier contient un simple texte ; attendu : des champs « clé: valeur »", ERR, ERR),
    ("milliard-de-rires", M, _laughs(),
     f"{M}:1: trop d'alias YAML (« & » / « * ») imbriqués : fichier refusé", ERR, ERR),
    ("imbrication-profonde", M, "titre: x\nacteurs: " + "[" * 5000 + "]" * 5000 + "\n",
     f"{M}:2: plus de 50 listes ou groupes imbriqués les uns dans les autres : fichier refusé", ERR, ERR),
    ("fusion", M, "base: &b\n  titre: x\n<<: *b\n",
     f"{M}:3: la fusion YAML « << » n'est pas prise en charge", ERR, ERR),
    ("alias-sans-ancre", M, "titre: *nulle_part\n",
     f"{M}:1: syntaxe YAML invalide : alias « * » sans ancre « & » correspondante", ERR, ERR),
    ("guillemet-non-ferme", M, 'titre: "Étude urbaine\nmaitre_ouvrage: Ville\n',
     f"{M}:3: syntaxe YAML invalide : guillemet ou crochet non refermé", ERR, ERR),
    ("crochet-non-ferme", M, "titre: x\nacteurs: [ANRU, Ville\n",
     f"{M}:3: syntaxe YAML invalide : crochet ou accolade non refermé", ERR, ERR),
    ("deux-documents", M, "titre: a\n---\ntitre: b\n",
     f"{M}:2: syntaxe YAML invalide : un seul document YAML par fichier (retirez les « --- » en trop)", ERR, ERR),
    ("deux-points-dans-la-valeur", M, "titre: Etude: quartier nord\n",
     f"{M}:1: syntaxe YAML invalide : « : » inattendu ; si la valeur contient « : », mettez-la entre guillemets", ERR, ERR),
    ("cle-composee", M, "? [a, b]\n: c\ntitre: x\n",
     f"{M}:1: une clé doit être un simple mot", ERR, ERR),
    ("arobase", M, "titre: x\ncontact:\n  email: @mairie\n",
     f"{M}:3: syntaxe YAML invalide : « @ » ne peut pas commencer une valeur : mettez-la entre guillemets", ERR, ERR),
    # --- encodings and characters Word cannot hold -------------------------------------------
    ("windows-1252", M, "titre: x\n\nmaitre_ouvrage: Ville de Neuilly\nsource: R\xe9sum\xe9\n".encode("cp1252"),
     f"{M}:4: le fichier n'est pas en UTF-8 (octet 0xE9) ; il semble enregistré en Windows-1252 (ANSI) : "
     "réenregistrez-le en UTF-8", ERR, ERR),
    ("utf-16", M, "titre: Étude\n".encode("utf-16"),
     f"{M}:1: le fichier n'est pas en UTF-8 (octet 0xFF) ; il est enregistré en UTF-16 (« Unicode » dans le Bloc-notes) : "
     "réenregistrez-le en UTF-8", ERR, ERR),
    ("octet-invalide", M, b"titre: x\nsource: \x81\x8d\n",
     f"{M}:2: le fichier n'est pas en UTF-8 (octet 0x81) : réenregistrez-le en UTF-8", ERR, ERR),
    ("tabulation-verticale", M, "titre: x\nenjeux: Premier point\x0bsecond point\n",
     f"{M}:2: tabulation verticale (saut de ligne manuel copié depuis Word) U+000B interdit dans un document Word : "
     "supprimez-le", ERR, ERR),
    ("caractere-nul", M, "titre: x\x00\n",
     f"{M}:1: caractère nul U+0000 interdit dans un document Word : supprimez-le", ERR, ERR),
    ("saut-de-page", M, "titre: x\ncontenu:\n  - a\x0c\n",
     f"{M}:3: saut de page U+000C interdit dans un document Word : supprimez-le", ERR, ERR),
    ("caractere-de-controle", M, "titre: x\x1b[0m\n",
     f"{M}:1: caractère de contrôle U+001B interdit dans un document Word : supprimez-le", ERR, ERR),
    ("nul-echappe", M, 'titre: "Étude\\0"\n',
     f"{M}:1: champ 'titre' : caractère nul U+0000 interdit dans un document Word : supprimez-le", ERR, ERR),
    ("tabulation-verticale-echappee", M, 'titre: x\ncontenu:\n  - "a\\vb"\n',
     f"{M}:3: champ 'contenu[1]' : tabulation verticale (saut de ligne manuel copié depuis Word) U+000B interdit dans "
     "un document Word : supprimez-le", ERR, ERR),
    ("demi-caractere-unicode", M, 'titre: "\\ud83d"\n',
     f"{M}:1: syntaxe YAML invalide : code « \\u » invalide entre guillemets (caractère Unicode impossible)", ERR, ERR),
    ("barre-oblique-inverse", M, 'titre: x\nsource: "C:\\dossiers\\offre"\n',
     f"{M}:2: syntaxe YAML invalide : « \\ » suivi d'un caractère inconnu entre guillemets doubles : doublez-le (\\\\) "
     "ou utilisez des guillemets simples", ERR, ERR),
    ("seulement-des-tirets", M, "---\n",
     f"{M}:1: le fichier ne contient aucune valeur", ERR, ERR),
    ("seulement-des-points", M, "...\n",
     f"{M}:1: syntaxe YAML invalide : valeur attendue manquante : un « - », « ... » ou « : » est mal placé", ERR, ERR),
    ("texte-apres-guillemet", M, 'titre: "Étude" urbaine\n',
     f"{M}:1: syntaxe YAML invalide : texte après le guillemet fermant ; mettez toute la valeur entre guillemets", ERR, ERR),
    ("controle-c1", M, "titre: Étude\nsource: l\u0092offre\n",
     f"{M}:2: caractère de contrôle U+0092 refusé en YAML (souvent un texte mal converti depuis Windows-1252) : "
     "supprimez-le ou retapez le caractère", ERR, ERR),
    ("suite-reservee", M, "titre: x\ncontenu:\n  - a {_{ b\n",
     f"{M}:3: champ 'contenu[1]' : la suite « {{_{{ » est réservée par le moteur des modèles Word, qui la changerait "
     "en balise : séparez ces caractères", ERR, ERR),
    ("dossier-au-lieu-de-fichier", "references/missions/dossier.yaml/x.yaml", "titre: x\n",
     "references/missions/dossier.yaml: lecture impossible : c'est un dossier", ERR, ERR),
    # --- fields -------------------------------------------------------------------------------
    ("cle-mal-orthographiee", M, "titre: x\nmaitre_ouvrag: Ville\n",
     f"{M}:2: champ 'maitre_ouvrag' : champ inconnu « maitre_ouvrag » ; vouliez-vous dire « maitre_ouvrage » ?", ERR, ERR),
    ("cle-en-majuscule", M, "Titre: x\n",
     f"{M}:1: champ 'Titre' : champ inconnu « Titre » ; vouliez-vous dire « titre » ?", ERR, ERR),
    ("cle-imbriquee-inconnue", M, "titre: x\nmontant:\n  - valeur: 12\n    taxes: HT\n",
     f"{M}:4: champ 'montant[1].taxes' : champ inconnu « taxes » ; vouliez-vous dire « taxe » ?", ERR, ERR),
    ("titre-absent", M, "maitre_ouvrage: Ville\n",
     f"{M}:1: champ 'titre' : champ obligatoire manquant", ERR, ERR),
    ("titre-vide", M, "titre:\nmaitre_ouvrage: Ville\n",
     f"{M}:1: champ 'titre' : valeur vide : texte attendu", ERR, ERR),
    ("titre-en-liste", M, "titre:\n  - a\n  - b\n",
     f"{M}:1: champ 'titre' : texte attendu, trouvé une liste", ERR, ERR),
    ("liste-au-lieu-de-texte", M, "titre: x\nmaitre_ouvrage: [Ville, Région]\n",
     f"{M}:2: champ 'maitre_ouvrage' : texte attendu, trouvé une liste", ERR, ERR),
    ("champs-au-lieu-de-liste", M, "titre: x\ncontenu:\n  premier: a\n",
     f"{M}:2: champ 'contenu[1]' : texte attendu, trouvé des champs « clé: valeur »", ERR, ERR),
    ("annees-date", M, "titre: x\nannees: 2018-05-12\n",
     f"{M}:2: champ 'annees' : années non reconnues « 2018-05-12 » ; écrivez par exemple 2018 - 2021, 2017 ou "
     "2022 - en cours", ERR, ERR),
    ("annees-sexagesimal", M, "titre: x\nannees: 20:18\n",
     f"{M}:2: champ 'annees' : années non reconnues « 20:18 » ; écrivez par exemple 2018 - 2021, 2017 ou "
     "2022 - en cours", ERR, ERR),
    ("annees-inversees", M, "titre: x\nannees: 2021 - 2018\n",
     f"{M}:2: champ 'annees' : années inversées : fin 2018 avant début 2021", ERR, ERR),
    ("en-cours-avec-fin", M, "titre: x\nannees:\n  debut: 2020\n  fin: 2022\n  en_cours: oui\n",
     f"{M}:2: champ 'annees' : une mission « en cours » n'a pas d'année de fin", ERR, ERR),
    ("annee-trop-ancienne", M, "titre: x\nannees:\n  debut: 1850\n",
     f"{M}:3: champ 'annees.debut' : « 1850 » hors limites : au moins 1900", ERR, ERR),
    ("annee-future", M, "titre: x\nmaitre_ouvrage: Ville\nannees: 2029\n",
     f"{M}:3: champ 'annees' : année 2029 dans le futur (nous sommes le 24/11/2026) : faute de frappe ?", ERR, ERR),
    ("montant-negatif", M, "titre: x\nmontant: -5000\n",
     f"{M}:2: champ 'montant[1].valeur' : montant négatif « -5000 »", ERR, ERR),
    ("montant-texte", M, "titre: x\nmontant: environ 30 k€\n",
     f"{M}:2: champ 'montant[1].valeur' : nombre attendu, trouvé « environ 30 k€ »", ERR, ERR),
    ("montant-sexagesimal", M, "titre: x\nmontant: 1:30\n",
     f"{M}:2: champ 'montant[1].valeur' : nombre attendu, trouvé « 1:30 »", ERR, ERR),
    ("montant-infini", M, "titre: x\nmontant: .inf\n",
     f"{M}:2: champ 'montant[1].valeur' : nombre attendu, trouvé « .inf »", ERR, ERR),
    ("montant-exposant", M, "titre: x\nmontant: 1e400\n",
     f"{M}:2: champ 'montant[1].valeur' : nombre attendu, trouvé « 1e400 »", ERR, ERR),
    ("montant-deux-virgules", M, "titre: x\nmontant: 99.685,50\n",
     f"{M}:2: champ 'montant[1].valeur' : nombre attendu, trouvé « 99.685,50 »", ERR, ERR),
    ("taxe-inconnue", M, "titre: x\nmontant:\n  valeur: 12000\n  taxe: HTT\n",
     f"{M}:4: champ 'montant[1].taxe' : valeur « HTT » non reconnue ; valeurs possibles : HT ou TTC", ERR, ERR),
    ("composante-inconnue", M, "titre: x\ncomposantes:\n  - Concertaton\n",
     f"{M}:3: champ 'composantes[1]' : composante inconnue « Concertaton » ; vouliez-vous dire « Concertation » ? "
     "(les 12 composantes : Conseil stratégique, Etudes urbaines, Animation partenariale, Planification, Outils de "
     "gestion, Coordination inter-chantiers, Ingénierie financière, Gestion urbaine de proximité, Insertion par "
     "l'activité économique, Cohésion sociale, Concertation, Capitalisation)", ERR, ERR),
    ("identifiant-invalide", M, "id: Mon Étude\ntitre: x\n",
     f"{M}:1: champ 'id' : « Mon Étude » : minuscules, chiffres et tirets seulement (ex. 2018-est-ensemble)", ERR, ERR),
    ("identifiant-en-double", M, "id: 2018-amo-coordination-montage-operationnel-financier-12\ntitre: Une autre\n",
     f"{M}:1: champ 'id' : identifiant « 2018-amo-coordination-montage-operationnel-financier-12 » déjà utilisé par "
     "references/missions/2018-amo-coordination-montage-operationnel-financier-12.yaml", ERR, ERR),
    ("oui-non-inconnu", M, "titre: x\nconfidentiel: peut-être\n",
     f"{M}:2: champ 'confidentiel' : oui ou non attendu, trouvé « peut-être »", ERR, ERR),
    ("nature-client-inconnue", M, "titre: x\nnature_client: publique\n",
     f"{M}:2: champ 'nature_client' : valeur « publique » non reconnue ; valeurs possibles : public ou privé", ERR, ERR),
    ("role-inconnu", M, "titre: x\nequipe:\n  - nom: PUS\n    role: chef\n",
     f"{M}:4: champ 'equipe[1].role' : valeur « chef » non reconnue ; valeurs possibles : mandataire, cotraitant ou "
     "sous-traitant", ERR, ERR),
    ("experience-en-lettres", P, "nom: Jeanne Martin\nannees_experience: dix\n",
     f"{P}:2: champ 'annees_experience' : nombre entier attendu, trouvé « dix »", ERR, ERR),
    ("personne-sans-nom", P, "fonction: Chargée d'études\n",
     f"{P}:1: champ 'nom' : champ obligatoire manquant", ERR, ERR),
    ("cabinet-chiffre-affaires", CAB, "nom: PUS\nchiffres_affaires:\n  - annee: deux mille vingt\n    montant: 100\n",
     f"{CAB}:3: champ 'chiffres_affaires[1].annee' : nombre entier attendu, trouvé « deux mille vingt »", ERR, ERR),
    ("production-section-sans-titre", PROD, "titre: Fiche\nsections:\n  - paragraphes: [a]\n",
     f"{PROD}:3: champ 'sections[1].titre' : champ obligatoire manquant", ERR, ERR),
    # --- warnings: the file is valid, `check` says what is doubtful ---------------------------
    ("diese-tronque", M, "titre: Étude #3 du quartier\nmaitre_ouvrage: Ville\ntype: Étude\nannees: 2025\nmontant: 1000\n",
     f"{M}:1: avertissement : champ 'titre' : le texte après « # » est ignoré (commentaire YAML) : « 3 du quartier » ; "
     "mettez toute la valeur entre guillemets pour le garder", OK, OK),
    ("reference-incomplete", M, "titre: Étude sans rien\nannees: 2025\n",
     f"{M}:1: avertissement : champ 'maitre_ouvrage' : référence incomplète : le maître d'ouvrage à compléter", OK, OK),
    ("grille-entiere", M, "titre: x\nmaitre_ouvrage: Ville\ntype: Étude\nannees: 2025\nmontant: 1000\ncomposantes:\n"
     + "".join(f"  - {c}\n" for c in (
         "Conseil stratégique", "Etudes urbaines", "Animation partenariale", "Planification", "Outils de gestion",
         "Coordination inter-chantiers", "Ingénierie financière", "Gestion urbaine de proximité",
         "Insertion par l'activité économique", "Cohésion sociale", "Concertation", "Capitalisation")),
     f"{M}:6: avertissement : champ 'composantes' : les 12 composantes sont cochées : grille probablement exportée "
     "sans ses coches ; gardez seulement celles réalisées", OK, OK),
    ("client-public-sans-contact", M, "titre: x\nmaitre_ouvrage: Ville\nnature_client: public\ntype: Étude\n"
     "annees: 2025\nmontant: 1000\n",
     f"{M}:1: avertissement : champ 'contact' : client public sans contact : la référence ne sera pas « contrôlable » "
     "par l'acheteur", OK, OK),
    ("personne-inconnue", M, "titre: x\nmaitre_ouvrage: Ville\ntype: Étude\nannees: 2025\nmontant: 1000\n"
     "directeur: Paul Inconnu\n",
     f"{M}:6: avertissement : champ 'directeur' : « Paul Inconnu » n'a pas de fiche dans personnes/ : ajoutez-la "
     "(ou un alias) pour les moyens humains et les CV", OK, OK),
    ("titre-en-double", M, "titre: Mission d'appui relative aux équipements publics Marseillais dans le cadre du NPNRU\n"
     "maitre_ouvrage: Ville\ntype: Étude\nannees: 2025\nmontant: 1000\n",
     f"{M}:1: avertissement : champ 'titre' : même titre que "
     "references/missions/2021-mission-appui-relative-equipements-publics-marseillais.yaml : doublon ?", OK, OK),
    ("reference-ancienne", M, "titre: x\nmaitre_ouvrage: Ville\ntype: Étude\nannees: 2009 - 2011\nmontant: 1000\n",
     f"{M}:4: avertissement : champ 'annees' : référence achevée en 2011 : hors des 3 dernières années comptées depuis "
     "le 24/11/2026, les acheteurs ne la retiendront souvent pas", OK, OK),
    ("variante-de-composante", M, "titre: x\nmaitre_ouvrage: Ville\ntype: Étude\nannees: 2025\nmontant: 1000\n"
     "composantes: [Certification]\n",
     f"{M}:6: avertissement : champ 'composantes[1]' : « Certification » lu comme la composante « Concertation »", OK, OK),
    ("mission-en-txt", "references/missions/etude.txt", "titre: x\n",
     "references/missions/etude.txt: avertissement : fichier ignoré : seuls les fichiers .yaml ou .yml sont lus", OK, OK),
    ("production-mission-inconnue", PROD, "titre: Fiche\nmissions:\n  - 2099-nulle-part\n",
     f"{PROD}:3: avertissement : champ 'missions[1]' : aucune mission n'a l'identifiant « 2099-nulle-part »", OK, OK),
]
