"""Which column of an uploaded file goes into which client field.

Three ways to a mapping, tried in this order by ``mapping_detect``:

1. a preset the freelancer saved for files with exactly these headers;
2. a known export, recognised by its headers (Google Contacts, Outlook in German or English,
   lexoffice, sevDesk, HubSpot, a vCard from Apple Contacts or any other address book, and our
   own template and CSV export): every column it has a field for is mapped, the rest ignored;
3. anything else: a suggestion per column, from its header (German and English words) or, when
   the header says nothing, from what the column holds (e-mail addresses, web sites, postal
   codes ...). The freelancer confirms or corrects it in the mapping step.

A mapping is ``{column index (str): target}``; a column that is not in it is ignored.
``choice_words`` holds the words a cell may use for a choice field ("Firma", "du", "Kunde").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .import_files import Table
from .models import Cadence, Client, ImportPreset

# Targets a column can go to, in the order the mapping step lists them.
TARGETS: dict[str, object] = {
    "name": _("Name (person or company)"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "company": _("Company"),
    "kind": _("Person or company"),
    "customer_number": _("Customer number"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "website": _("Website"),
    "street": _("Street and number"),
    "postal_code": _("Postal code"),
    "city": _("City"),
    "country": _("Country"),
    "salutation": _("Salutation (Frau, Herr, Ms …)"),
    "title": _("Academic title (Dr., Prof.)"),
    "language": _("Language"),
    "form_of_address": _("Form of address (Sie/du)"),
    "sign_off": _("Sign-off"),
    "preferred_channel": _("Preferred channel"),
    "status": pgettext_lazy("client", "Status"),
    "relationship": _("Relationship"),
    "update_cadence": _("Status-update cadence"),
    "payment_terms_days": _("Payment terms (days)"),
    "vat_id": _("VAT ID"),
    "leitweg_id": _("Leitweg-ID or buyer reference"),
    "tags": _("Tags"),
    "contact_name": _("Contact person"),
    "contact_role": _("Contact person's role"),
    "contact_email": _("Contact person's e-mail"),
    "contact_phone": _("Contact person's phone"),
}
# Several columns may feed these; the others take the first non-empty column.
JOINED_TARGETS = {"tags": ", "}

# Header words (normalised, see ``normalise``) of every export we know, German and English.
SYNONYMS: dict[str, str] = {}
for _target, _words in {
    "name": "name fullname displayname kundenname kunde vollername anzeigename",
    "first_name": "firstname givenname vorname",
    "last_name": "lastname familyname nachname surname zuname",
    "company": (
        "company companyname organization organisation organizationname organization1name "
        "firma firmenname unternehmen org account accountname associatedcompany"
    ),
    "kind": "kind art kundenart kontaktart kundentyp",
    "customer_number": (
        "customernumber kundennummer kundennr kundenr recordid customerid debitorennummer "
        "debitorennr kontonummerdebitor"
    ),
    "email": (
        "email emailaddress emailadresse mail email1value email1 email2address email2value "
        "emailgeschaftlich emailprivat primaryemail"
    ),
    "phone": (
        "phone telefon tel phonenumber phone1value businessphone telefongeschaftlich "
        "mobilephone mobiltelefon mobil mobile handy telefonnummer primaryphone homephone "
        "telefonprivat phone2value mobilephonenumber"
    ),
    "website": "website webseite web url homepage webpage websiteurl website1value internet",
    "street": (
        "street strasse address1street businessstreet strassegeschaftlich streetaddress adresse "
        "anschrift adrstreet homestreet strasseprivat businessstreet2 strassegeschaftlich2 "
        "address1extendedaddress strasseundhausnummer"
    ),
    "postal_code": (
        "postalcode zip zipcode plz postleitzahl address1postalcode businesspostalcode "
        "postleitzahlgeschaftlich adrcode postcode homepostalcode postleitzahlprivat"
    ),
    "city": "city ort stadt address1city businesscity ortgeschaftlich adrcity town homecity",
    "country": (
        "country land countryregion businesscountryregion landregiongeschaftlich "
        "address1country adrcountry countrycode homecountryregion landregionprivat"
    ),
    "salutation": "salutation anrede nameprefix nprefix briefanrede anredeimbrief",
    "title": "titel akademischertitel academictitle",
    "language": "language sprache korrespondenzsprache",
    "form_of_address": "formofaddress anredeform ansprache sieoderdu duodersie",
    "sign_off": "signoff grussformel gruss verabschiedung closing",
    "preferred_channel": "preferredchannel kanal bevorzugterkanal",
    "status": "status lifecyclestage lebenszyklusphase",
    "relationship": "relationship beziehung",
    "update_cadence": "updatecadence statusupdates updaterhythmus",
    "payment_terms_days": "paymentterms paymenttermsdays zahlungsziel zahlungszieltage",
    "tags": (
        "tags tag labels label kategorien kategorie categories gruppen groupmembership "
        "schlagworte schlagworter"
    ),
    "contact_name": "contactname ansprechpartner kontaktperson contactperson",
    "contact_role": (
        "contactrole position jobtitle organizationtitle organization1title funktion rolle role"
    ),
    "contact_email": "contactemail emailansprechpartner",
    "contact_phone": "contactphone telefonansprechpartner",
}.items():
    for _word in _words.split():
        SYNONYMS[_word] = _target


@dataclass(frozen=True)
class KnownFormat:
    """An export recognised by headers that only it has (all of ``required`` must be there)."""

    key: str
    label: object
    required: frozenset[str]
    # Headers this format means differently from the general synonyms.
    overrides: tuple[tuple[str, str], ...] = ()


FORMATS = [
    KnownFormat("google", _("Google Contacts"), frozenset({"firstname", "email1value"})),
    KnownFormat(
        "google", _("Google Contacts"), frozenset({"givenname", "familyname", "email1value"})
    ),
    KnownFormat(
        "outlook_de",
        _("Outlook (German)"),
        frozenset({"vorname", "nachname", "emailadresse", "strassegeschaftlich"}),
    ),
    KnownFormat(
        "outlook",
        _("Outlook"),
        frozenset({"firstname", "lastname", "emailaddress", "businessstreet"}),
        overrides=(("title", "salutation"),),
    ),
    KnownFormat("lexoffice", _("lexoffice"), frozenset({"kundennummer", "firmenname"})),
    # sevDesk's "Kategorie" is Kunde/Lieferant, not a tag.
    KnownFormat(
        "sevdesk",
        _("sevDesk"),
        frozenset({"kundennr", "organisation"}),
        overrides=(("kategorie", ""),),
    ),
    KnownFormat("hubspot", _("HubSpot"), frozenset({"recordid", "firstname", "lastname", "email"})),
]
# A vCard's columns (clients.import_files.VCARD_COLUMNS) and where they go.
VCARD_MAPPING = {
    "FN": "name",
    "N:given": "first_name",
    "N:family": "last_name",
    "N:prefix": "title",
    "ORG": "company",
    "TITLE": "contact_role",
    "EMAIL": "email",
    "TEL": "phone",
    "ADR:street": "street",
    "ADR:code": "postal_code",
    "ADR:city": "city",
    "ADR:country": "country",
    "URL": "website",
    "CATEGORIES": "tags",
}


def format_label(stored: str) -> str:
    """Return the label of a stored ``ImportUpload.detected_format`` in the active language:
    a known format's key, else the name of the freelancer's preset (shown as it is)."""
    labels = {known.key: known.label for known in FORMATS}
    labels["vcard"] = _("vCard (Apple Contacts and other address books)")
    labels["template"] = _("Kundenpflege template or export")
    return str(labels.get(stored, stored))


def normalise(header: str) -> str:
    """Return a header as a comparable word: lower case, letters and digits only, no accents."""
    text = header.casefold().replace("ß", "ss")
    text = text.translate(str.maketrans("äöü", "aou"))
    return re.sub(r"[^0-9a-z]", "", text)


@functools.cache
def _label_words() -> dict[str, str]:
    """Return our own column names (template in both languages, export codes) -> target."""
    words: dict[str, str] = {}
    for target, label in TARGETS.items():
        words[normalise(target)] = target
        for language in ("de", "en"):
            with translation.override(language):
                words[normalise(str(label))] = target
                words[normalise(template_header(target))] = target
    return words


def template_header(target: str) -> str:
    """Return the column name the template uses for ``target``, in the active language."""
    return str(TEMPLATE_HEADERS.get(target, TARGETS[target]))


# Shorter names for the template's header line (the mapping step shows the long labels).
TEMPLATE_HEADERS: dict[str, object] = {
    "name": _("Name"),
    "salutation": _("Salutation"),
    "title": _("Title"),
    "form_of_address": _("Form of address"),
    "status": pgettext_lazy("client", "Status"),
}
TEMPLATE_TARGETS = [
    "customer_number",
    "name",
    "kind",
    "salutation",
    "email",
    "phone",
    "website",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "form_of_address",
    "payment_terms_days",
    "tags",
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
]


def target_for_header(header: str, overrides: dict[str, str] | None = None) -> str | None:
    """Return the target a header names, or None."""
    word = normalise(header)
    if overrides and word in overrides:
        return overrides[word] or None
    return SYNONYMS.get(word) or _label_words().get(word)


@dataclass
class Detection:
    """The mapping found for a table, and how: a preset, a known format, or suggestions."""

    mapping: dict[str, str]
    format_key: str = ""
    format_label: str = ""
    preset: ImportPreset | None = None

    @property
    def certain(self) -> bool:
        """Whether the preview may follow directly (a preset or a recognised format)."""
        return bool(self.preset or self.format_key)


def mapping_detect(*, user: object, table: Table) -> Detection:
    """Return the mapping for ``table``: the user's preset, a known format, else suggestions."""
    words = [normalise(header) for header in table.headers]
    preset = next(
        (p for p in ImportPreset.objects.owned_by(user) if p.headers == words),
        None,
    )
    if preset is not None:
        mapping = {
            str(index): preset.mapping[word]
            for index, word in enumerate(words)
            if preset.mapping.get(word) in TARGETS
        }
        return Detection(mapping=mapping, preset=preset, format_label=preset.name)
    if table.kind == "vcard":
        mapping = {
            str(index): VCARD_MAPPING[header]
            for index, header in enumerate(table.headers)
            if header in VCARD_MAPPING
        }
        return Detection(mapping, "vcard", str(_("vCard (Apple Contacts and other address books)")))
    present = set(words)
    for known in FORMATS:
        if known.required <= present:
            overrides = dict(known.overrides)
            mapping = _by_header(table, overrides)
            return Detection(mapping, known.key, str(known.label))
    mapping = _by_header(table, {})
    own = {normalise(target) for target in TARGETS} | {
        word for word, _target in _label_words().items()
    }
    if all(word in own for word in words if word) and _has_name(mapping):
        return Detection(mapping, "template", str(_("Kundenpflege template or export")))
    for index in range(len(table.headers)):
        if str(index) not in mapping:
            guess = _guess_from_content([row[index] for row in table.rows[:50]])
            if guess and guess not in mapping.values():
                mapping[str(index)] = guess
    return Detection(mapping=mapping)


def _by_header(table: Table, overrides: dict[str, str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for index, header in enumerate(table.headers):
        target = target_for_header(header, overrides)
        if target is None:
            continue
        if not target:
            continue
        if target == "salutation":  # "Anrede" holding Sie/du means the form of address
            column = [row[index] for row in table.rows[:50]]
            if _guess_from_content(column) == "form_of_address":
                target = "form_of_address"
        # A second column for a single-valued field (E-mail 2, home address) is a fallback:
        # the first non-empty one in the row wins.
        mapping[str(index)] = target
    return mapping


def _has_name(mapping: dict[str, str]) -> bool:
    targets = set(mapping.values())
    return bool(targets & {"name", "company", "last_name", "first_name"})


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
URL_RE = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[0-9 ()/.\-]{6,30}$")
POSTAL_RE = re.compile(r"^[0-9]{4,5}$")
SALUTATION_WORDS = {"herr", "frau", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "divers", "mx"}
FORM_WORDS = {"sie", "du", "formal", "informal", "formell", "informell", "casual"}
LANGUAGE_WORDS = {"de", "en", "deutsch", "englisch", "german", "english"}


def _guess_from_content(values: list[str]) -> str | None:
    """Return a target for a column whose header says nothing, from what it holds."""
    values = [value for value in values if value]
    if len(values) < 1:
        return None

    def share(test: object) -> float:
        return sum(1 for value in values if test(value)) / len(values)  # type: ignore[operator]

    for target, test in (
        ("email", EMAIL_RE.match),
        ("website", URL_RE.match),
        ("salutation", lambda v: v.casefold() in SALUTATION_WORDS),
        ("form_of_address", lambda v: v.casefold() in FORM_WORDS),
        ("language", lambda v: v.casefold() in LANGUAGE_WORDS),
        ("postal_code", POSTAL_RE.match),
        ("phone", lambda v: PHONE_RE.match(v) and sum(c.isdigit() for c in v) >= 6),
    ):
        if share(test) >= 0.8:
            return target
    return None


# Choice fields: the words a cell may hold for each choice (``import_rows`` reads them).
CHOICE_FIELDS: dict[str, Any] = {
    "kind": Client.Kind,
    "language": Client.Language,
    "form_of_address": Client.FormOfAddress,
    "preferred_channel": Client.Channel,
    "status": Client.Status,
    "relationship": Client.Relationship,
    "update_cadence": Cadence,
}
# Words people and other tools write instead of our codes (the labels in both languages count too).
ALIASES: dict[str, dict[str, str]] = {
    "kind": {
        "firma": "company",
        "unternehmen": "company",
        "organisation": "company",
        "organization": "company",
        "privatperson": "person",
        "privat": "person",
        "private": "person",
    },
    "language": {"deutsch": "de", "german": "de", "englisch": "en", "english": "en"},
    "form_of_address": {
        "sie": "formal",
        "formell": "formal",
        "förmlich": "formal",
        "du": "informal",
        "casual": "informal",
        "informell": "informal",
        "locker": "informal",
    },
    "status": {
        "kunde": "active",
        "customer": "active",
        "aktiv": "active",
        "interessent": "lead",
        "subscriber": "lead",
        "marketingqualifiedlead": "lead",
        "salesqualifiedlead": "lead",
        "opportunity": "lead",
        "evangelist": "active",
        "ehemalig": "past",
        "former": "past",
        "pausiert": "paused",
    },
}


def choice_words(name: str) -> dict[str, str]:
    """Return every word that means a choice: codes, labels in German and English, aliases."""
    words = dict(ALIASES.get(name, {}))
    for value, label in CHOICE_FIELDS[name].choices:
        words[value] = value
        for language in ("de", "en"):
            with translation.override(language):
                words[str(label).casefold()] = value
                words[re.sub(r"[^a-z]", "", str(label).casefold())] = value
    return words


def target_choices() -> list[tuple[str, str]]:
    """Return the choices of a mapping select: "ignore" first, then every target."""
    return [("", str(_("Ignore this column"))), *((k, str(v)) for k, v in TARGETS.items())]


target_label = lazy(lambda target: str(TARGETS.get(target, target)), str)
