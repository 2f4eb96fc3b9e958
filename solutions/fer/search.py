"""Q5: your hyper-parameter search on FER-2013.

The framework is given (``train_config``, ``run_search``, ``results_table``): it trains
``FullyConnectedNet`` with the provided ``Solver`` and SGD with momentum, one configuration
at a time, and keeps a table of the results. The choices are yours (the four functions with
a TODO): the performance measure that compares configurations on the validation set, the
stopping criterion's settings, the momentum and learning-rate schedule, and the search plan
(the starting network, the learning rates, dropout, L2 and topologies to try).

A configuration is a dict with the keys of ``BASE_KEYS``. ``run_search`` runs the plan's
``base`` configuration, then each stage in order: a stage tries the *current* configuration
with one setting changed to each of its values (configurations already trained are not
trained again), and the current configuration becomes the stage's best candidate when that
beats it by at least ``plan["min_gain"]`` of your measure. The best model of the search (by
your measure, over every run) is what the notebook saves as ``fer_model.npz``; the grader
scores that file on private faces.

Budget: each run of 20 epochs on the 7,000 training faces takes a few minutes on a laptop.
"""
from __future__ import annotations

import time

import numpy as np

from .fcnet import FullyConnectedNet
from .solver import Solver

__all__ = ["BASE_KEYS", "performance_measure", "stopping_criterion", "schedule", "search_plan", "train_config",
           "run_search", "results_table"]

# the settings of one configuration
BASE_KEYS = ("hidden_dims", "learning_rate", "dropout", "reg", "weight_scale", "batch_size", "num_epochs")


def performance_measure(y_true, y_pred):
    """The number that compares configurations (higher is better): a function of the validation
    labels ``y_true`` (N,) and the model's predictions ``y_pred`` (N,), e.g. the classification
    rate, or a per-class measure if you want the rare classes to count more."""
    # TODO: return one float, higher = better.
    # BEGIN SOLUTION
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
    # END SOLUTION


def stopping_criterion():
    """The settings of your stopping criterion (``early_stopping`` in ``solver.py``), as the
    Solver's keyword arguments: ``{"patience": ..., "min_delta": ...}``. With a patience the
    Solver stops after that many epochs without improvement and keeps the best epoch's weights."""
    # TODO: return {"patience": int, "min_delta": float}.
    # BEGIN SOLUTION
    return {"patience": 5, "min_delta": 0.0}
    # END SOLUTION


def schedule():
    """The momentum and learning-rate schedule: ``{"momentum": ..., "lr_decay": ...}`` (the Solver
    multiplies the learning rate by ``lr_decay`` after each epoch)."""
    # TODO: return {"momentum": float, "lr_decay": float}.
    # BEGIN SOLUTION
    return {"momentum": 0.9, "lr_decay": 0.95}
    # END SOLUTION


def search_plan():
    """The search: ``{"base": {...}, "stages": [(title, key, values), ...], "min_gain": float}``.

    ``base``: the starting configuration (every key of ``BASE_KEYS``); each stage tries the
    current configuration with ``key`` set to each of ``values`` (e.g. the learning rate without
    regularisation, then dropout, then L2, then the topology ``hidden_dims``); ``min_gain``: how
    much better (in your measure) a candidate must be to become the current configuration.
    Keep it to about ten runs.
    """
    # TODO: the starting network and the values to try.
    # BEGIN SOLUTION
    base = {"hidden_dims": [256], "learning_rate": 3e-2, "dropout": 0.0, "reg": 0.0, "weight_scale": 1e-2,
            "batch_size": 100, "num_epochs": 20}
    stages = [("learning rate", "learning_rate", [1e-2, 3e-2, 1e-1]),
              ("dropout", "dropout", [0.3]),
              ("L2", "reg", [1e-2]),
              ("topology", "hidden_dims", [[512], [512, 256]])]
    return {"base": base, "stages": stages, "min_gain": 0.01}
    # END SOLUTION


def _key(config):
    return tuple((k, tuple(config[k]) if k == "hidden_dims" else config[k]) for k in BASE_KEYS)


def _describe(config, base):
    diff = [f"{k}={config[k]}" for k in BASE_KEYS if config[k] != base[k]]
    return ", ".join(diff) or "base"


def train_config(data, config, seed=0, verbose=False):
    """Train one configuration with SGD with momentum, your schedule and your stopping criterion.
    Returns ``(model, solver)``; the model holds the best epoch's weights when a patience is set."""
    np.random.seed(seed)
    sched = schedule()
    model = FullyConnectedNet(list(config["hidden_dims"]), input_dim=int(np.prod(data["X_train"].shape[1:])),
                              num_classes=int(max(np.max(data["y_train"]), np.max(data["y_val"])) + 1),
                              dropout=config["dropout"], reg=config["reg"], weight_scale=config["weight_scale"])
    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": config["learning_rate"], "momentum": sched["momentum"]},
                    lr_decay=sched["lr_decay"], num_epochs=config["num_epochs"], batch_size=config["batch_size"],
                    verbose=verbose, seed=seed, **stopping_criterion())
    solver.train()
    return model, solver


def _score(model, data):
    preds = []
    for i in range(0, len(data["X_val"]), 500):
        preds.append(np.argmax(model.loss(data["X_val"][i:i + 500]), axis=1))
    return float(performance_measure(data["y_val"], np.concatenate(preds)))


def run_search(data, plan=None, seed=0, log=print, max_epochs=None):
    """Run the plan (default: ``search_plan()``). Returns ``(results, best)``: ``results`` a list
    of dicts (``name``, ``stage``, ``config``, ``score``, ``epochs``, ``stopped_early``,
    ``seconds``, ``model``, ``solver``), ``best`` the entry with the highest score.
    ``max_epochs`` caps every run (quick trials)."""
    plan = search_plan() if plan is None else plan
    base = dict(plan["base"])
    missing = [k for k in BASE_KEYS if k not in base]
    if missing:
        raise ValueError(f"the plan's base configuration lacks {missing}")
    min_gain = float(plan.get("min_gain", 0.0))
    results, done = [], {}

    def run(config, stage):
        k = _key(config)
        if k in done:
            return done[k]
        cfg = dict(config)
        if max_epochs is not None:
            cfg["num_epochs"] = min(cfg["num_epochs"], max_epochs)
        start = time.time()
        model, solver = train_config(data, cfg, seed=seed)
        entry = {"name": _describe(config, base), "stage": stage, "config": dict(config), "score": _score(model, data),
                 "epochs": int(solver.epoch),
                 "stopped_early": bool(solver.stopped_early and solver.epoch < cfg["num_epochs"]),
                 "seconds": time.time() - start, "model": model, "solver": solver}
        results.append(entry)
        done[k] = entry
        if log:
            log(f"[{stage}] {entry['name']}: score {entry['score']:.3f} after {entry['epochs']} epochs"
                f"{' (stopped early)' if entry['stopped_early'] else ''} ({entry['seconds']:.0f} s)")
        return entry

    current = run(base, "base")
    for title, key, values in plan["stages"]:
        if key not in BASE_KEYS:
            raise ValueError(f"stage {title!r}: unknown setting {key!r} (one of {BASE_KEYS})")
        tried = [run({**current["config"], key: v}, title) for v in values]
        top = max(tried, key=lambda e: e["score"])
        if top is not current and top["score"] >= current["score"] + min_gain:
            current = top
    best = max(results, key=lambda e: e["score"])
    return results, best


def results_table(results):
    """The search's results as text, one line per run (stage, setting, score, epochs, time)."""
    lines = [f"{'stage':<14} {'configuration':<40} {'score':>6} {'epochs':>6} {'time':>6}"]
    for e in results:
        lines.append(f"{e['stage']:<14} {e['name']:<40} {e['score']:>6.3f} {e['epochs']:>6} {e['seconds']:>5.0f}s")
    return "\n".join(lines)
