"""The vocabulary: every word has its label, and the lists agree with each other."""
import pytest

import routing
import vocabulary
from sla import metrics


@pytest.mark.parametrize(("words", "labels"), [
    (vocabulary.CATEGORIES, vocabulary.CATEGORY_LABELS),
    (vocabulary.CATEGORIES, vocabulary.CATEGORY_CHOICE_LABELS),
    (vocabulary.STATUSES, vocabulary.STATUS_LABELS),
    (vocabulary.STATUSES, vocabulary.STAFF_STATUS_LABELS),
    (vocabulary.PRIORITIES, vocabulary.PRIORITY_LABELS),
    (vocabulary.SHIPMENT_STATUSES, vocabulary.SHIPMENT_STATUS_LABELS),
    (vocabulary.SHIPMENT_STATUSES, vocabulary.SHIPMENT_STATUS_HINTS),
    (vocabulary.ROLES, vocabulary.ROLE_LABELS),
])
def test_every_word_has_one_label_in_the_lists_order(words, labels):
    assert tuple(labels) == words
    assert all(isinstance(label, str) and label.strip() for label in labels.values())


def test_the_subsets_are_subsets_and_the_labels_cannot_be_changed_in_place():
    assert set(vocabulary.OPEN_STATUSES) < set(vocabulary.STATUSES)
    assert vocabulary.TRACKING_REQUIRED < set(vocabulary.CATEGORIES)
    assert vocabulary.ANY_STATUS not in vocabulary.STATUSES
    assert vocabulary.SHIPMENT_FINAL_STATUSES < set(vocabulary.SHIPMENT_STATUSES)
    with pytest.raises(TypeError):
        vocabulary.CATEGORY_LABELS["other"] = "Something else"  # type: ignore[index]


def test_the_pure_cores_use_the_same_lists():
    assert routing.CATEGORIES is vocabulary.CATEGORIES and routing.PRIORITIES is vocabulary.PRIORITIES
    assert metrics.OPEN_STATUSES is vocabulary.OPEN_STATUSES


def test_sql_in_writes_a_partial_index_condition():
    assert vocabulary.sql_in("status", ("new", "open")) == "status IN ('new', 'open')"


def test_the_parcel_statuses_are_those_of_the_contract():
    assert vocabulary.SHIPMENT_STATUSES == (
        "created", "pending_pickup", "picked_up", "in_transit", "out_for_delivery", "delivered",
        "delivery_failed", "returning", "returned", "cancelled", "on_hold")
