"""Organisations, the people who work in them, and how they are classified."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from crm.search import search_key
from crm.validators import validate_founding_year, validate_identification_code
from network.models import BilingualName

# Nobody types more words into a search box; a longer query is someone probing.
MAX_SEARCH_WORDS = 10
# Longer than any word of a key can be (names are at most 255 characters, doubled at most by
# transliteration): such a word matches nothing, and SQLite refuses its LIKE pattern.
MAX_SEARCH_WORD_LENGTH = 1000

class SearchKeyQuerySet(models.QuerySet):
    """Keeps `search_key` true on the bulk paths too, where save() is not called."""

    def _fill_keys(self, objs):
        for obj in objs:
            obj.search_key = obj.build_search_key()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        self._fill_keys(objs)
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) & set(self.model.SEARCH_KEY_FIELDS):
            kwargs["update_fields"] = [*update_fields, "search_key"]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        fields = list(fields)
        if set(fields) & set(self.model.SEARCH_KEY_FIELDS):
            self._fill_keys(objs)
            if "search_key" not in fields:
                fields.append("search_key")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        # A caller writing the key itself knows it: bulk_update above ends in update() with
        # the keys it filled, which must not be rebuilt a second time.
        if not set(kwargs) & set(self.model.SEARCH_KEY_FIELDS) or "search_key" in kwargs:
            return super().update(**kwargs)
        # A name changed in SQL: rebuild the keys of exactly the rows changed, in the same
        # transaction, so no reader ever sees a new name with an old key.
        with transaction.atomic(using=self.db):
            ids = list(self.select_for_update().values_list("pk", flat=True))
            count = self.model._base_manager.filter(pk__in=ids).update(**kwargs)
            rows = list(self.model._base_manager.filter(pk__in=ids))
            self._fill_keys(rows)
            self.model._base_manager.bulk_update(rows, ["search_key"], batch_size=1000)
        return count

    def search(self, query: str):
        """Rows whose key contains every word of the query, in either script: its first
        MAX_SEARCH_WORDS distinct words, as each is one more condition (SQLite refuses a
        thousand, and PostgreSQL slows down with every one)."""
        qs = self
        for word in list(dict.fromkeys(search_key(query).split()))[:MAX_SEARCH_WORDS]:
            if len(word) > MAX_SEARCH_WORD_LENGTH:
                return qs.none()
            qs = qs.filter(search_key__contains=word)
        return qs


class SearchKeyModel(models.Model):
    SEARCH_KEY_FIELDS: tuple[str, ...] = ()

    # Text, not a bounded CharField: transliteration can double a name's length (შ → sh).
    search_key = models.TextField(_("search key"), editable=False)

    objects = SearchKeyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_key = self.build_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_key"]
        super().save(*args, **kwargs)

    def build_search_key(self) -> str:
        return search_key(*(getattr(self, name) for name in self.SEARCH_KEY_FIELDS))


class Visibility(models.TextChoices):
    """Who may see a section of an organisation's entry in the shared directory."""

    PUBLIC = "public", _("public")
    PARTNERS = "partners", _("partners only")
    STAFF = "staff", _("staff only")


class LegalForm(models.TextChoices):
    NNLE = "nnle", _("ა(ა)იპ — non-entrepreneurial (non-commercial) legal entity")
    LLC = "llc", _("შპს — limited liability company")
    JSC = "jsc", _("სს — joint-stock company")
    LEPL = "lepl", _("სსიპ — legal entity of public law")
    ENTREPRENEUR = "ie", _("ი/მ — individual entrepreneur")
    INFORMAL = "informal", _("informal group (not registered)")
    OTHER = "other", _("other")


class Theme(BilingualName):
    """A theme of the centre's work; the four priority themes are flagged."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    is_priority = models.BooleanField(_("priority theme"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class TargetGroup(BilingualName):
    code = models.SlugField(_("code"), max_length=50, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Organisation(SearchKeyModel):
    """A CSO, a municipality's administration, a company: anyone the centre works with."""

    SEARCH_KEY_FIELDS = ("name", "name_latin")

    name = models.CharField(_("name"), max_length=255, help_text=_("As the organisation writes it."))
    name_latin = models.CharField(_("name in Latin script"), max_length=255, blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=10, choices=LegalForm.choices, default=LegalForm.NNLE
    )
    identification_code = models.CharField(
        _("identification code"),
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_identification_code],
        help_text=_("9 digits, as registered by the National Agency of Public Registry."),
    )
    founding_year = models.PositiveSmallIntegerField(
        _("founding year"), null=True, blank=True, validators=[validate_founding_year]
    )
    municipality = models.ForeignKey(
        "network.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True, region="GE")
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="organisations", verbose_name=_("themes")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="organisations", verbose_name=_("target groups")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="organisations", verbose_name=_("tags"))
    is_partner = models.BooleanField(_("partner"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    # What the shared directory shows, per section. The defaults protect privacy: the profile
    # reaches partners, contact details and people stay with staff until the organisation
    # chooses otherwise.
    share_profile = models.CharField(
        _("profile visible to"), max_length=10, choices=Visibility.choices, default=Visibility.PARTNERS
    )
    share_contact_details = models.CharField(
        _("contact details visible to"), max_length=10, choices=Visibility.choices, default=Visibility.STAFF
    )
    share_themes = models.CharField(
        _("themes and services visible to"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PARTNERS,
    )
    share_people = models.CharField(
        _("people visible to"), max_length=10, choices=Visibility.choices, default=Visibility.STAFF
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_key", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["is_active", "municipality"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # An empty code is "unknown", not a duplicate of every other unknown code.
        self.identification_code = self.identification_code or None
        super().save(*args, **kwargs)

    @property
    def legal_form_short(self) -> str:
        """ა(ა)იპ, შპს…: the abbreviation every Georgian reader knows."""
        return str(self.get_legal_form_display()).split(" — ")[0]


class Contact(SearchKeyModel):
    """A person the centre knows, affiliated to one or more organisations."""

    SEARCH_KEY_FIELDS = ("first_name", "last_name", "name_latin")

    class Language(models.TextChoices):
        GEORGIAN = "ka", _("Georgian")
        ENGLISH = "en", _("English")

    class ConsentSource(models.TextChoices):
        FORM = "form", _("subscription form")
        IMPORT = "import", _("import")
        STAFF = "staff", _("entered by staff")
        EVENT = "event", _("event registration")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = PhoneNumberField(_("phone"), blank=True, region="GE")
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.GEORGIAN
    )
    organisations = models.ManyToManyField(
        Organisation,
        through="Affiliation",
        related_name="contacts",
        verbose_name=_("organisations"),
    )
    newsletter_consent = models.BooleanField(_("consents to newsletters"), default=False)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_source = models.CharField(
        _("consent given through"), max_length=10, choices=ConsentSource.choices, blank=True
    )
    consent_note = models.CharField(
        _("consent note"), max_length=255, blank=True, help_text=_("For staff entry: the reason.")
    )
    directory_consent = models.BooleanField(
        _("may be shown in the shared directory"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_key", "updated_at"])

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(newsletter_consent=False)
                | (models.Q(consent_given_at__isnull=False) & ~models.Q(consent_source="")),
                name="contact_consent_is_recorded",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        if self.newsletter_consent and not (self.consent_given_at and self.consent_source):
            raise ValidationError(
                _("Consent to newsletters needs the date it was given and how it was given.")
            )


class Affiliation(models.Model):
    """A person's role in an organisation over a period."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="affiliations",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=120, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "-start_date"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="affiliation_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} — {self.organisation}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
