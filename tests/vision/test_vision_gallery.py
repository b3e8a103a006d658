import numpy as np
import pytest

from vision.faces import Template
from vision.gallery import InMemoryGallery, Match


def random_templates(count: int, seed: int = 0) -> list[Template]:
    rng = np.random.default_rng(seed)
    return [Template(v) for v in rng.standard_normal((count, 128)).astype(np.float32)]


def test_search_returns_top_k_customers_best_first():
    gallery = InMemoryGallery()
    templates = random_templates(50)
    for i, template in enumerate(templates):
        gallery.add(f"c{i}", template)
    matches = gallery.search(templates[7], k=3)
    assert len(matches) == 3
    assert matches[0] == Match("c7", pytest.approx(1.0))
    assert matches[0].score >= matches[1].score >= matches[2].score
    assert matches[0].is_candidate and not matches[1].is_candidate


def test_several_templates_of_one_customer_count_once():
    gallery = InMemoryGallery(templates_per_customer=3)
    base = random_templates(1, seed=1)[0].vector
    rng = np.random.default_rng(2)
    for _ in range(3):
        gallery.add("same", Template(base + 0.05 * rng.standard_normal(128).astype(np.float32)))
    gallery.add("other", random_templates(1, seed=3)[0])
    assert [m.customer_id for m in gallery.search(base, k=2)] == ["same", "other"]


def test_template_limit_evicts_the_most_redundant():
    gallery = InMemoryGallery(templates_per_customer=2)
    a, b = random_templates(2, seed=4)
    near_a = Template(a.vector + 0.01)
    assert gallery.add("c", a) == []
    assert gallery.add("c", b) == []
    evicted = gallery.add("c", near_a)
    assert len(evicted) == 1 and evicted[0].similarity(a) > 0.99
    kept = gallery.templates("c")
    assert len(kept) == 2 and any(t.similarity(b) > 0.999 for t in kept)


def test_remove_forgets_the_customer_and_keeps_others_searchable():
    gallery = InMemoryGallery(capacity=2)  # also exercises growth
    templates = random_templates(10, seed=5)
    for i, template in enumerate(templates):
        gallery.add(f"c{i}", template)
    gallery.remove("c3")
    gallery.remove("c9")
    gallery.remove("unknown")
    assert len(gallery) == 8 and gallery.template_count == 8
    assert all(m.customer_id != "c3" for m in gallery.search(templates[3], k=10))
    for i in (0, 4, 8):
        assert gallery.search(templates[i], k=1)[0].customer_id == f"c{i}"


def test_load_decrypts_records_from_the_store():
    templates = random_templates(3, seed=6)
    # A stand-in for the store's AES-GCM: the gallery only calls the function it is given.
    records = [(f"c{i}", bytes(reversed(t.to_bytes()))) for i, t in enumerate(templates)]
    gallery = InMemoryGallery()
    assert gallery.load(records, decrypt=lambda blob: bytes(reversed(blob))) == 3
    assert gallery.search(templates[2], k=1)[0].customer_id == "c2"


def test_empty_gallery_and_bad_queries():
    gallery = InMemoryGallery()
    assert gallery.search(random_templates(1)[0], k=5) == []
    with pytest.raises(ValueError):
        gallery.search(np.zeros(128, np.float32))
    with pytest.raises(ValueError):
        gallery.search(np.ones(64, np.float32))
