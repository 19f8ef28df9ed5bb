"""factory-boy factories. Rows with business rules are built through the services, so tests
exercise the same path as the product (history rows, dossier opening, allocation)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from schwifty import IBAN

from dossiers import services
from dossiers.models import Claim, Creditor, Debtor
from dossiers.validators import siren_check_digit


def valid_siren(n: int) -> str:
    first_eight = f"{(n * 7919 + 10_000_000) % 100_000_000:08d}"
    return first_eight + siren_check_digit(first_eight)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = "Camille"
    last_name = "Martin"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.fr")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-test")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class CreditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creditor

    legal_name = factory.Sequence(lambda n: f"Fournitures Durand {n} SAS")
    siren = factory.Sequence(lambda n: valid_siren(n + 1))
    address_line1 = "12 rue de la République"
    postal_code = "69002"
    city = "Lyon"
    iban = factory.Sequence(
        lambda n: str(IBAN.generate("FR", bank_code="30004", account_code=f"{n:011d}")).replace(
            " ", ""
        )
    )
    bic = "BNPAFRPP"
    contact_email = "recouvrement@example.fr"
    contact_phone = "01 99 00 10 10"
    dpo_contact = "dpo@example.fr"
    privacy_policy_url = "https://www.example.fr/confidentialite"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.creditor_create(actor=None, **kwargs)


class DebtorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debtor
        skip_postgeneration_save = True

    kind = Debtor.Kind.PROFESSIONAL
    name = factory.Sequence(lambda n: f"Boulangerie Moreau {n} SARL")
    siren = factory.Sequence(lambda n: valid_siren(n + 50_000))
    address_line1 = "3 place du Marché"
    postal_code = "33000"
    city = "Bordeaux"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.debtor_create(actor=None, **kwargs)

    @factory.post_generation
    def contact(self, create, extracted, **kwargs):
        """A collection contact reachable by e-mail and SMS, so that reminders go out
        (``contact=False``: none)."""
        if create and extracted is not False:
            self.contacts.create(
                role="collection",
                name="Service comptable",
                email=f"compta{self.pk}@example.fr",
                phone="06 12 34 56 78",
            )


class ConsumerFactory(DebtorFactory):
    kind = Debtor.Kind.CONSUMER
    name = factory.Sequence(lambda n: f"Jeanne Dupont {n}")
    siren = ""


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    creditor = factory.SubFactory(CreditorFactory)
    debtor = factory.SubFactory(DebtorFactory)
    invoice_number = factory.Sequence(lambda n: f"FA-2026-{n:05d}")
    issue_date = datetime.date(2026, 9, 1)
    due_date = factory.LazyAttribute(lambda c: c.issue_date + datetime.timedelta(days=30))
    amount = Decimal("1200.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.claim_create(actor=kwargs.pop("actor", None), **kwargs)
