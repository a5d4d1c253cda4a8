import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from campaigns.models import Campaign
from core.models import NumberSeries
from core.numbering import take_next_number
from tests.factories import CampaignFactory


@pytest.mark.django_db
def test_next_number_is_prefix_and_zero_padded_counter():
    assert take_next_number("CAMPAIGN") == "CP0001"
    assert take_next_number("CAMPAIGN") == "CP0002"
    assert NumberSeries.objects.get(code="CAMPAIGN").last_number == 2


@pytest.mark.django_db
def test_unknown_series_is_refused_with_a_message():
    with pytest.raises(ValidationError, match="NOPE does not exist"):
        take_next_number("NOPE")


@pytest.mark.django_db
def test_rolled_back_creation_gives_its_number_back():
    def create_and_fail():
        with transaction.atomic():
            CampaignFactory()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_and_fail()
    # The counter is updated in the creating transaction, so it rolled back too.
    assert CampaignFactory().no == "CP0001"
    assert CampaignFactory().no == "CP0002"


@pytest.mark.django_db
def test_numbers_typed_by_hand_are_skipped():
    CampaignFactory(no="CP0002")
    assert CampaignFactory().no == "CP0001"
    assert CampaignFactory().no == "CP0003"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_numbers():
    """20 threads create 50 campaigns at once and get 50 different numbers."""
    errors = []
    barrier = threading.Barrier(20)

    def create(count):
        try:
            barrier.wait()
            for _ in range(count):
                with transaction.atomic():
                    Campaign.objects.create(description="concurrent")
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    counts = [3] * 10 + [2] * 10  # 50 in all
    threads = [threading.Thread(target=create, args=(n,)) for n in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(Campaign.objects.values_list("no", flat=True))
    assert len(numbers) == 50
    assert len(set(numbers)) == 50
    assert NumberSeries.objects.get(code="CAMPAIGN").last_number == 50
