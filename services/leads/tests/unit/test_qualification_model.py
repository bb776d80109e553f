"""The learned qualification model against the majority guess."""

from __future__ import annotations

from leads.rules.qualification_model import features, train


def test_learned_model_beats_the_majority_guess_on_held_out_leads():
    examples = []
    for i in range(400):
        tech = i % 2 == 0
        engaged = i % 3 == 0
        qualified = (tech and engaged) or (tech and i % 5 == 0)
        lead = {"industry": "tech" if tech else "retail", "source": "web"}
        examples.append((f"lead-{i}", features(lead, {"visit": 3 if engaged else 0}), qualified))
    model = train(examples, epochs=150)
    assert model.tested_on > 40
    assert model.accuracy is not None and model.accuracy > model.baseline_accuracy
