"""The YAML formats of a library, as pydantic models (the one place the schema lives).

Keys are French, the users' own vocabulary. Every model forbids unknown keys, so a
typo is an error rather than a silently ignored field.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from generator.library.vocabulary import COMPOSANTES, canonical_composante, fold, nearest

# What `dossier init` and `bid new` write as example values starts with this mark: `check`
# warns and --final refuses while one is left, and replacing the value removes it.
EXAMPLE_MARK = "[exemple]"

MIN_YEAR = 1900
MAX_YEAR = 2100


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


def _french_bool(value):
    if isinstance(value, str) and fold(value) in {"oui", "non"}:
        return fold(value) == "oui"
    return value


def _as_list(value):
    """A single value where a list is expected is a list of one."""
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        return [value]
    return value


Bool = Annotated[bool, BeforeValidator(_french_bool)]
TextList = Annotated[list[str], BeforeValidator(_as_list)]


def parse_number(value) -> Decimal:
    """'99 685', '99685,50', '99 685 €' → Decimal; anything else is a French error."""
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    text = re.sub(r"[\s\u00a0\u202f€]", "", str(value)).replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", text):
        # Decimal would also take « 1e400 », « 1_000 » or « NaN »: never what a fiche says.
        raise ValueError(f"nombre attendu, trouvé « {value} »")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"nombre attendu, trouvé « {value} »") from None
    if not number.is_finite():
        raise ValueError(f"nombre attendu, trouvé « {value} »")
    return number


class Annees(Model):
    """When the mission ran: one year, a span, or a start and « en cours »."""

    debut: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="Année de début")
    fin: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="Année de fin (vide : une seule année)")
    en_cours: Bool = Field(False, description="La mission est toujours en cours")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value):
        if isinstance(value, (int, str)):
            return parse_years(str(value))
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.fin is not None and self.fin < self.debut:
            raise ValueError(f"années inversées : fin {self.fin} avant début {self.debut}")
        if self.en_cours and self.fin is not None:
            raise ValueError("une mission « en cours » n'a pas d'année de fin")
        return self

    @property
    def last(self) -> int:
        """The last year the mission ran (for recency); « en cours » is handled by callers."""
        return self.fin or self.debut


_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–—/à]+\s*(\d{4}|en\s+cours)\s*)?$", re.IGNORECASE)


def parse_years(text: str) -> dict:
    """'2018 - 2021', '2018–2021', '2017', '2022 - en cours' → the mapping form."""
    match = _YEARS.match(text)
    if not match:
        raise ValueError(f"années non reconnues « {text} » ; écrivez par exemple 2018 - 2021, 2017 ou 2022 - en cours")
    debut, fin = match.groups()
    if fin is None:
        return {"debut": int(debut)}
    if fold(fin) == "en cours":
        return {"debut": int(debut), "en_cours": True}
    result = {"debut": int(debut), "fin": int(fin)}
    return result if fin != debut else {"debut": int(debut)}


# An amount beyond this (a hundred billion euros) is a typing or conversion error, not a mission.
MAX_AMOUNT = Decimal(10) ** 11


def parse_amount(value) -> Decimal:
    """An amount in euros, exactly as written (never a float): positive, plausible, or a French error."""
    if isinstance(value, float):
        value = repr(value)  # a float reaches here only from code; its shortest form is what was meant
    number = parse_number(value)
    if number < 0 or number.is_signed():
        raise ValueError(f"montant négatif « {value} »")
    if number > MAX_AMOUNT:
        raise ValueError(f"montant invraisemblable « {value} » (plus de 100 milliards d'euros) ; vérifiez le nombre de chiffres")
    return number


class Montant(Model):
    """One amount, with its basis exactly as known: never summed with another."""

    valeur: Decimal = Field(description="Montant en euros (le bas de la fourchette quand il y en a une)")
    valeur_haute: Decimal | None = Field(
        None, description="Haut de la fourchette, quand la fiche donne un montant « de 20 000 à 30 000 € »"
    )
    taxe: Literal["HT", "TTC"] | None = Field(None, description="HT ou TTC ; vide si la fiche ne le dit pas")
    tranche: Literal["ferme", "optionnelle"] | None = Field(None, description="Tranche ferme (TF) ou optionnelle (TO)")
    perimetre: Literal["cabinet", "groupement"] | None = Field(
        None, description="Part du cabinet ou montant de tout le groupement"
    )
    maximum: Bool = Field(False, description="Montant maximum d'un accord-cadre")
    libelle: str | None = Field(None, description="Précision libre (ex. « tranche 2 »)")

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, value):
        if isinstance(value, (int, str, Decimal)):
            return {"valeur": value}
        return value

    @field_validator("valeur", "valeur_haute", mode="before")
    @classmethod
    def _number(cls, value):
        return value if value is None else parse_amount(value)

    @model_validator(mode="after")
    def _range(self):
        if self.valeur_haute is not None and self.valeur_haute <= self.valeur:
            raise ValueError(f"fourchette inversée ou vide : valeur_haute {self.valeur_haute} n'est pas au-dessus de "
                             f"valeur {self.valeur}")
        return self

    @field_validator("taxe", mode="before")
    @classmethod
    def _taxe(cls, value):
        return value.upper() if isinstance(value, str) else value

    @field_validator("tranche", mode="before")
    @classmethod
    def _tranche(cls, value):
        aliases = {"tf": "ferme", "tranche ferme": "ferme", "to": "optionnelle", "tranche optionnelle": "optionnelle"}
        return aliases.get(fold(value), value) if isinstance(value, str) else value


Montants = Annotated[list[Montant], BeforeValidator(_as_list)]


class Membre(Model):
    """A firm or a person of the team that carried out the mission."""

    nom: str = Field(min_length=1)
    role: Literal["mandataire", "cotraitant", "sous-traitant"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value):
        return {"nom": value} if isinstance(value, str) else value

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value):
        if not isinstance(value, str):
            return value
        key = fold(value).replace(" ", "")
        return {"cotraitant": "cotraitant", "soustraitant": "sous-traitant", "mandataire": "mandataire"}.get(key, value)


class Contact(Model):
    """Who at the client can vouch for the mission (makes a reference « contrôlable »)."""

    nom: str | None = None
    fonction: str | None = None
    telephone: str | None = None
    email: str | None = None


class Attestation(Model):
    """Attestation de bonne exécution."""

    fichier: str | None = Field(None, description="Fichier PDF de l'attestation, chemin relatif à la bibliothèque")
    date: str | None = None
    signataire: str | None = Field(None, description="Qui l'a signée chez le client (nom, fonction)")


def _composante(value):
    if not isinstance(value, str):
        return value
    canonical = canonical_composante(value)
    if canonical is None:
        guess = nearest(value, COMPOSANTES)
        hint = f" ; vouliez-vous dire « {guess[0]} » ?" if guess else ""
        raise ValueError(f"composante inconnue « {value} »{hint} (les 12 composantes : {', '.join(COMPOSANTES)})")
    return canonical


Composante = Annotated[str, BeforeValidator(_composante)]


class Mission(Model):
    """Une référence : une mission réalisée par le cabinet."""

    id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$", description="Identifiant stable (nom du fichier par défaut)")
    titre: str = Field(min_length=1, description="Intitulé de la mission")
    maitre_ouvrage: str | None = Field(None, description="Client (maître d'ouvrage)")
    nature_client: Literal["public", "privé"] | None = Field(None, description="Client public ou privé")
    contact: Contact | None = Field(None, description="Contact chez le client")
    type: str | None = Field(None, description="Type de mission")
    annees: Annees | None = Field(None, description="Années de réalisation")
    cout_projet: Montants = Field(default_factory=list, description="Coût du projet (pas de la mission)")
    directeur: str | None = Field(None, description="Directeur de mission")
    referent: str | None = Field(None, description="Référent")
    equipe: Annotated[list[Membre], BeforeValidator(_as_list)] = Field(default_factory=list)
    programme: str | None = None
    acteurs: TextList = Field(default_factory=list)
    consultants: TextList = Field(default_factory=list, description="Consultants mobilisés")
    sites: TextList = Field(default_factory=list)
    montant: Montants = Field(default_factory=list, description="Montant de la mission, une ligne par base")
    composantes: Annotated[list[Composante], BeforeValidator(_as_list)] = Field(default_factory=list)
    composantes_a_confirmer: Bool = Field(
        False, description="Grille importée sans ses coches (les 12 cases listées) : composantes inconnues, à confirmer ; "
        "jamais comptées ni comparées aux composantes requises ; sans effet dès que composantes les liste")
    enjeux: str | None = Field(None, description="Enjeux de la mission (paragraphes séparés par une ligne vide)")
    contenu: TextList = Field(default_factory=list, description="Contenu de la mission (une puce par élément)")
    source: str | None = None
    confidentiel: Bool = Field(False, description="Jamais imprimée sans --confidentiel")
    attestation: Attestation | None = None
    tags: TextList = Field(default_factory=list)

    @field_validator("nature_client", mode="before")
    @classmethod
    def _nature(cls, value):
        return {"public": "public", "prive": "privé"}.get(fold(value), value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _ticks_confirm_the_grid(self):
        # Composantes listed are the confirmation (a grid ticked in the web page keeps the key).
        if self.composantes:
            self.composantes_a_confirmer = False
        return self

    @property
    def people(self) -> list[str]:
        """Everyone of the firm named on the mission, in order, without repeats."""
        names = [self.directeur, self.referent, *self.consultants]
        seen: dict[str, str] = {}
        for name in names:
            if name and fold(name) not in seen:
                seen[fold(name)] = name
        return list(seen.values())


class Personne(Model):
    """Une personne du cabinet (pour les moyens humains et les CV)."""

    id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    nom: str = Field(min_length=1, description="Prénom Nom, écrit comme dans les missions")
    civilite: Literal["Mme", "M."] | None = Field(
        None, description="Mme ou M. : accorde les libellés du CV (directrice, référent…)")
    alias: TextList = Field(default_factory=list, description="Autres graphies du nom dans les missions")
    fonction: str | None = None
    formation: TextList = Field(default_factory=list)
    annees_experience: int | None = Field(None, ge=0, le=70)
    domaines: TextList = Field(default_factory=list)
    presentation: str | None = None
    email: str | None = None
    telephone: str | None = None


class ChiffreAffaires(Model):
    annee: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    montant: Montant
    part_domaine: Montant | None = Field(
        None, description="Part du chiffre d'affaires relative au domaine des marchés visés (DC2, rubrique E)")


class Effectif(Model):
    """Effectif moyen d'une année (DC2, rubrique F)."""

    annee: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    total: int | None = Field(None, ge=0, description="Effectif moyen annuel")
    encadrement: int | None = Field(None, ge=0, description="Dont personnel d'encadrement")


class Signataire(Model):
    """La personne qui signe les formulaires au nom du cabinet."""

    nom: str | None = None
    qualite: str | None = Field(None, description="Qualité du signataire (gérant, président…)")


class Assurance(Model):
    """Assurance de responsabilité civile professionnelle."""

    assureur: str | None = None
    police: str | None = Field(None, description="Numéro de police")
    valide_jusqu_au: str | None = Field(None, description="Fin de validité (2027-12-31 ou 31/12/2027)")


def siret_problem(value: str) -> str | None:
    """Why a SIRET is not one (14 digits passing the Luhn check; La Poste's own rule), or None."""
    digits = re.sub(r"[\s\u00a0\u202f.]", "", value)
    if not re.fullmatch(r"\d{14}", digits):
        return f"SIRET « {value} » : 14 chiffres attendus"
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    valid = total % 10 == 0
    if digits.startswith("356000000"):  # La Poste's establishments: the sum of the digits is a multiple of 5
        valid = valid or sum(int(d) for d in digits) % 5 == 0
    return None if valid else f"SIRET « {value} » invalide (clé de contrôle fausse) : vérifiez-le sur l'avis de situation Insee"


def _siret(value):
    if isinstance(value, int):
        value = str(value).zfill(14)
    if isinstance(value, str) and value.strip():
        problem = siret_problem(value.strip())
        if problem:
            raise ValueError(problem)
        return re.sub(r"[\s\u00a0\u202f.]", "", value)
    return value


Siret = Annotated[str | None, BeforeValidator(_siret)]


class Cabinet(Model):
    """Le cabinet qui répond : identité, présentation, chiffres."""

    nom: str = Field(min_length=1)
    sigle: str | None = None
    forme_juridique: str | None = None
    siret: Siret = Field(None, description="Numéro SIRET (14 chiffres)")
    adresse: str | None = None
    telephone: str | None = None
    email: str | None = None
    site_web: str | None = None
    representant: str | None = Field(None, description="Personne habilitée à engager le cabinet")
    date_creation: str | None = None
    effectif: int | None = Field(None, ge=0)
    logo: str | None = Field(None, description="Image du logo (PNG ou JPEG), chemin relatif à references/")
    presentation: str | None = Field(None, description="Paragraphes séparés par une ligne vide")
    domaines: TextList = Field(default_factory=list)
    qualifications: TextList = Field(default_factory=list)
    chiffres_affaires: Annotated[list[ChiffreAffaires], BeforeValidator(_as_list)] = Field(default_factory=list)
    signataire: Signataire | None = Field(None, description="Signataire des formulaires (nom, qualité)")
    correspondant: Contact | None = Field(None, description="Contact pour la procédure (nom, courriel, téléphone)")
    pme: Bool | None = Field(None, description="Le cabinet est-il une micro, petite ou moyenne entreprise ? (oui / non)")
    effectifs: Annotated[list[Effectif], BeforeValidator(_as_list)] = Field(default_factory=list)
    assurance: Assurance | None = Field(None, description="Assurance responsabilité civile professionnelle")
    moyens_techniques: TextList = Field(default_factory=list, description="Outillage, matériel et équipement technique")


class Section(Model):
    titre: str = Field(min_length=1)
    paragraphes: TextList = Field(default_factory=list)
    puces: TextList = Field(default_factory=list)


class Production(Model):
    """Un travail produit (extrait de livrable) à joindre en annexe."""

    id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    titre: str = Field(min_length=1)
    nature: str | None = Field(None, description="Nature du document (ex. Contrat de ville, fiche orientation)")
    numero: str | None = None
    maitre_ouvrage: str | None = None
    annee: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    missions: TextList = Field(default_factory=list, description="Identifiants des missions liées")
    entete: TextList = Field(default_factory=list, description="Lignes de rattachement (ex. Pilier 2, Axe 1)")
    sections: Annotated[list[Section], BeforeValidator(_as_list)] = Field(default_factory=list)
    source: str | None = None
    confidentiel: Bool = False


KINDS: dict[str, type[Model]] = {
    "missions": Mission,
    "personnes": Personne,
    "productions": Production,
}
