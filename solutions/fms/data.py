"""MDS189 data loading (provided code: you do not need to edit this file).

The data set lives in one folder (``data/mds189`` of the course checkout, or
``$NNCOURSE_DATA/mds189``); :func:`ensure_data` creates the synthetic copy there
the first time it is needed (the training and validation data; the test frames
come with the homework's release and are never generated here: their labels stay
with the grader). The layout (see ``datasets/mds189/FORMAT.md``)::

    trainval/<person>/labels/<movement>.json      key-frame poses: gt_pose, gt_pose_align
    trainval/<person>/key_frames/<movement>_<side>.jpg
    trainval/<person>/frames/<movement>/0001.jpg  video frames
    trainval/<person>/detections/<movement>.json  per-frame detector keypoints and boxes
    keyframe_data_{train,val}.txt                 path,label lists (no header)
    videoframe_data_{train,val,test}.txt
    test_kaggle_frames/00001.jpg ...              unlabelled test frames (Kaggle Ids)
    kaggle_submission_format.csv                  Id,Category

What is here:

* :data:`LABELS`, the class order used everywhere (label index = position);
* :func:`load_mds189` / :func:`load_pose_data`: key-frame poses for the
  fully-connected nets, ``X`` of shape ``(N, 75)`` (25 BODY_25 keypoints x
  (x, y, confidence)); ``debug=True`` gives the Procrustes-aligned poses, which
  are for debugging only;
* :class:`Mds189`: a PyTorch dataset of key frames or video frames read from a
  list file, items ``(image, label)`` with ``image`` a float tensor ``(3, S, S)``;
* :class:`Mds189Test`: the unlabelled test frames, items ``(image, Id)``;
* :func:`write_submission` / :func:`validate_submission` for the Kaggle-style file.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

__all__ = [
    "LABELS", "BILATERAL", "KEYPOINT_NAMES", "IMAGE_SIZE", "label_index", "default_root",
    "ensure_data", "dataset_root", "load_mds189", "load_pose_data", "read_label_file",
    "read_list", "load_image", "Mds189", "Mds189Test", "write_submission",
    "validate_submission", "subjects", "load_detections",
]

LABELS = ("deadbug", "hamstrings", "inline", "lunge", "stretch", "pushup", "reach", "squat")
# bilateral movements have one key frame (labelled ``<movement>_both``); the others
# have one per side (``<movement>_left``, ``<movement>_right``): 13 key frames a person
BILATERAL = {"deadbug": False, "hamstrings": False, "inline": False, "lunge": False,
             "stretch": False, "pushup": True, "reach": True, "squat": True}
KEYPOINT_NAMES = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
    "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)
IMAGE_SIZE = 48  # frames are resized to IMAGE_SIZE x IMAGE_SIZE (their aspect ratios differ)
VAL_FRACTION = 0.1  # used only for a copy that comes without any split information


# --------------------------------------------------------------------------- labels
def label_index(name: str) -> int:
    """Class index of a label as written in the lists or label files.

    ``'squat'`` and key-frame labels such as ``'lunge_left'`` or ``'reach_both'``
    map to their movement's index in :data:`LABELS`; the test placeholder
    ``'label'`` maps to -1.
    """
    name = str(name).strip()
    if name == "label":
        return -1
    if name in LABELS:
        return LABELS.index(name)
    base, _, side = name.rpartition("_")
    if base in LABELS and side in ("left", "right", "both"):
        return LABELS.index(base)
    raise ValueError(f"unknown MDS189 label {name!r}; expected one of {', '.join(LABELS)} "
                     "(optionally followed by _left, _right or _both)")


# ----------------------------------------------------------------------- locations
def default_root() -> Path:
    """``data_root()/mds189``: where the course keeps its copy."""
    try:
        from coursedata.paths import data_root
    except ImportError:  # the student package without the course tools installed
        return Path(os.environ.get("NNCOURSE_DATA", "data")) / "mds189"
    return data_root() / "mds189"


def dataset_root(path=None) -> Path:
    """The folder holding ``trainval/`` (accepts that folder or ``trainval`` itself)."""
    p = Path(path) if path is not None else default_root()
    if p.name == "trainval" and not (p / "trainval").is_dir():
        return p.parent
    return p


def _is_complete(root: Path) -> bool:
    return (root / "trainval").is_dir() and (
        (root / "meta.json").is_file() or any((root / "trainval").iterdir()))


def ensure_data(preset: str = "default", root=None, seed: int = 0, quiet: bool = False) -> Path:
    """Return the MDS189 folder, generating the synthetic copy first if it is missing.

    An existing copy (synthetic or a real one in the same layout) is used as it
    is. Generation takes about a minute for the default preset; concurrent
    callers wait for each other instead of generating twice.
    """
    root = dataset_root(root)
    if _is_complete(root):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    lock_path = root.parent / f".{root.name}.lock"
    with open(lock_path, "w") as lock:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not on POSIX
            pass
        if not _is_complete(root):
            from coursedata.mds189 import generate
            if not quiet:
                print(f"generating the synthetic MDS189 data set ({preset}) in {root} ...", flush=True)
            generate(root, preset=preset, seed=seed)
    return root


# --------------------------------------------------------------------- pose loader
def read_label_file(path) -> dict:
    """One ``labels/<movement>.json`` file as a dict."""
    with open(path) as f:
        return json.load(f)


def subjects(root=None) -> dict[str, list[str]]:
    """Person ids of the train and validation splits: ``{'train': [...], 'val': [...]}``.

    Taken from ``splits.json`` when present, else from the key-frame lists, else
    (a bare copy of the folders) the sorted ids with the last 10% as validation.
    """
    root = dataset_root(root)
    people = sorted(p.name for p in (root / "trainval").iterdir() if (p / "labels").is_dir())
    sp = root / "splits.json"
    if sp.is_file():
        s = json.loads(sp.read_text())
        return {"train": [p for p in s["train"] if p in people], "val": [p for p in s["val"] if p in people]}
    lists = {k: root / f"keyframe_data_{k}.txt" for k in ("train", "val")}
    if all(f.is_file() for f in lists.values()):
        out = {}
        for k, f in lists.items():
            ids = []
            for rel, _ in read_list(f):
                parts = Path(rel).parts
                pid = parts[parts.index("key_frames") - 1] if "key_frames" in parts else parts[-2]
                if pid in people and pid not in ids:
                    ids.append(pid)
            out[k] = ids
        if out["train"] and out["val"]:
            return out
    n_val = max(1, int(round(VAL_FRACTION * len(people)))) if len(people) > 1 else 0
    return {"train": people[: len(people) - n_val], "val": people[len(people) - n_val:]}


def _poses_of(root: Path, people, key: str):
    X, y = [], []
    for pid in people:
        for movement in LABELS:
            path = root / "trainval" / pid / "labels" / f"{movement}.json"
            if not path.is_file():
                continue
            rec = read_label_file(path)
            if key not in rec:
                raise KeyError(f"{path} has no {key!r} entry")
            # bilateral movements store the same pose under both sides; taking both
            # keeps the classes balanced (16 poses per person)
            for side in ("left", "right"):
                pose = np.asarray(rec[key][side], dtype=np.float64).ravel()
                if pose.size != 75:
                    raise ValueError(f"{path}: {key}[{side!r}] has {pose.size} numbers, expected 75")
                X.append(pose)
                y.append(LABELS.index(movement))
    X = np.array(X, dtype=np.float64).reshape(-1, 75)
    return X, np.array(y, dtype=np.int64)


def load_mds189(path=None, debug: bool = False):
    """Key-frame poses for the fully-connected nets.

    Parameters
    ----------
    path : the MDS189 folder (or its ``trainval`` subfolder); default: the course copy.
    debug : False reads the raw labelled poses (``gt_pose``, pixel coordinates);
        True reads the Procrustes-aligned, normalised poses (``gt_pose_align``).
        Use the aligned poses for debugging only.

    Returns
    -------
    X_train (N_train, 75), y_train (N_train,), X_val (N_val, 75), y_val (N_val,):
        each row is 25 keypoints x (x, y, confidence) in BODY_25 order; labels are
        indices into :data:`LABELS`. The training rows are shuffled (fixed seed).
    """
    root = dataset_root(path) if path is not None else ensure_data()
    if debug:
        print("Debug is ON: loading the aligned poses (gt_pose_align)")
    key = "gt_pose_align" if debug else "gt_pose"
    split = subjects(root)
    X_train, y_train = _poses_of(root, split["train"], key)
    X_val, y_val = _poses_of(root, split["val"], key)
    perm = np.random.RandomState(0).permutation(len(y_train))
    return X_train[perm], y_train[perm], X_val, y_val


def load_pose_data(root=None, debug: bool = False):
    """Same as :func:`load_mds189` (``root`` first, ``debug`` keyword)."""
    return load_mds189(root, debug=debug)


# ---------------------------------------------------------------------- list files
def read_list(listfile) -> list[tuple[str, str]]:
    """Rows ``(path, label)`` of a headerless list file such as ``keyframe_data_train.txt``."""
    rows = []
    with open(listfile, newline="") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 2:
                raise ValueError(f"{listfile}, line {n}: expected 'path,label', got {row!r}")
            rows.append((row[0].strip(), row[1].strip()))
    return rows


def _resolve(rel: str, base: Path) -> Path:
    p = Path(rel)
    return p if p.is_absolute() else base / p


def load_image(path, image_size: int | None = IMAGE_SIZE) -> np.ndarray:
    """An RGB frame as uint8 (H, W, 3); resized to ``image_size`` squared unless None."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        if image_size is not None:
            im = im.resize((int(image_size), int(image_size)), Image.BILINEAR)
        return np.asarray(im)


def _to_tensor(img: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float().div_(255.0)


def _datasets():
    """Define :class:`Mds189` and :class:`Mds189Test` (PyTorch datasets) on first use.

    They subclass torch's ``Dataset``; importing torch (1.5 s of CPU) waits until a notebook asks
    for them, so the numpy parts (looking at the data, FC nets, convolution by hand) never load it.
    ``data.Mds189`` and ``from ...data import Mds189`` work as for any module attribute."""
    try:
        from torch.utils.data import Dataset as _Dataset
    except ImportError:  # pragma: no cover
        _Dataset = object

    class Mds189(_Dataset):
        """Frames listed in an MDS189 list file, as a PyTorch dataset.

        ``Mds189('keyframe_data_train.txt')`` (a name is looked up in the course copy)
        or a full path. Items are ``(image, label)``: ``image`` a float tensor
        ``(3, S, S)`` in [0, 1] (resized to ``S = image_size``; ``None`` keeps the
        stored size, which differs between people), ``label`` the index in
        :data:`LABELS` (-1 for the unlabelled test list). ``transform``, if given, is
        applied to the image tensor. ``loader`` may replace the image reader
        (``path -> uint8 array (H, W, 3)``).
        """

        def __init__(self, label_file, loader=None, transform=None, root=None,
                     image_size: int | None = IMAGE_SIZE):
            label_file = Path(label_file)
            if not label_file.is_file() and not label_file.is_absolute() and len(label_file.parts) == 1:
                label_file = (dataset_root(root) if root is not None else ensure_data()) / label_file
            self.label_file = label_file
            self.root = Path(root) if root is not None else label_file.parent
            self.rows = read_list(label_file)
            self.paths = [_resolve(p, self.root) for p, _ in self.rows]
            self.labels = np.array([label_index(lab) for _, lab in self.rows], dtype=np.int64)
            self.raw_labels = [lab for _, lab in self.rows]
            self.loader = loader
            self.transform = transform
            self.image_size = image_size

        def __len__(self) -> int:
            return len(self.rows)

        def load(self, idx: int) -> np.ndarray:
            if self.loader is not None:
                return np.asarray(self.loader(self.paths[idx]))
            return load_image(self.paths[idx], self.image_size)

        def __getitem__(self, idx):
            x = _to_tensor(self.load(idx))
            if self.transform is not None:
                x = self.transform(x)
            return x, int(self.labels[idx])


    class Mds189Test(_Dataset):
        """The unlabelled test frames (``test_kaggle_frames/*.jpg``), sorted by Id.

        Items are ``(image, Id)`` with ``Id`` the number in the file name
        (``00017.jpg`` is Id 17); ``self.ids`` lists them in order.
        """

        def __init__(self, root=None, folder: str = "test_kaggle_frames", transform=None,
                     image_size: int | None = IMAGE_SIZE):
            self.root = dataset_root(root) if root is not None else ensure_data()
            d = self.root / folder
            files = [p for p in d.glob("*.jpg") if p.stem.isdigit()]
            files.sort(key=lambda p: int(p.stem))
            if not files:
                raise FileNotFoundError(f"no numbered .jpg test frames in {d}: they come with the homework's "
                                        "release (data/mds189/test_kaggle_frames); the generator does not make them")
            self.paths = files
            self.ids = np.array([int(p.stem) for p in files], dtype=np.int64)
            self.transform = transform
            self.image_size = image_size

        def __len__(self) -> int:
            return len(self.paths)

        def __getitem__(self, idx):
            x = _to_tensor(load_image(self.paths[idx], self.image_size))
            if self.transform is not None:
                x = self.transform(x)
            return x, int(self.ids[idx])


    # ---------------------------------------------------------------------- detections

    for cls in (Mds189, Mds189Test):  # picklable by name (DataLoader workers), as module-level classes
        cls.__qualname__, cls.__module__ = cls.__name__, __name__
    return Mds189, Mds189Test


def __getattr__(name):  # PEP 562: the dataset classes are made when first asked for
    if name in ("Mds189", "Mds189Test"):
        g = globals()
        g["Mds189"], g["Mds189Test"] = _datasets()
        return g[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_detections(person_dir, movement: str) -> list[list[dict]]:
    """Per-frame detector output of one video: ``[frame][person] -> {'keypoints' (25, 3), 'bbox'}``."""
    path = Path(person_dir) / "detections" / f"{movement}.json"
    data = json.loads(path.read_text())
    out = []
    for fr in data["frames"]:
        people = []
        for p in fr.get("people", []):
            people.append({"keypoints": np.asarray(p["pose_keypoints_2d"], float).reshape(25, 3),
                           "bbox": list(p.get("bbox", []))})
        out.append(people)
    return out


# ---------------------------------------------------------------------- submission
def _expected_ids(root=None, expected_ids=None):
    if expected_ids is not None:
        return [int(i) for i in expected_ids]
    r = dataset_root(root)
    d = r / "test_kaggle_frames"
    if d.is_dir():
        return sorted(int(p.stem) for p in d.glob("*.jpg") if p.stem.isdigit())
    return None


def write_submission(path, ids, predictions, validate: bool = True) -> Path:
    """Write a Kaggle-style prediction file: the header ``Id,Category`` then one
    ``<Id>,<movement>`` line per test frame.

    ``predictions`` may be movement names or class indices (into :data:`LABELS`).
    """
    ids = [int(i) for i in np.asarray(ids).ravel()]
    preds = list(np.asarray(predictions).ravel()) if not isinstance(predictions, list) else list(predictions)
    if len(ids) != len(preds):
        raise ValueError(f"write_submission: {len(ids)} ids but {len(preds)} predictions")
    names = []
    for p in preds:
        if isinstance(p, (int, np.integer)) or (isinstance(p, str) and p.isdigit()):
            k = int(p)
            if not 0 <= k < len(LABELS):
                raise ValueError(f"write_submission: class index {k} is outside 0..{len(LABELS) - 1}")
            names.append(LABELS[k])
        else:
            k = label_index(str(p))
            if k < 0:
                raise ValueError("write_submission: 'label' is the placeholder of the test list, not a prediction")
            names.append(LABELS[k])
    path = Path(path)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Id", "Category"])
        w.writerows(zip(ids, names))
    if validate:
        validate_submission(path, expected_ids=ids)
    return path


def validate_submission(path_or_text, root=None, expected_ids=None) -> dict[int, str]:
    """Check a prediction file and return ``{Id: movement}``; raises ``ValueError``
    with a message that says what to fix.

    The Ids must be exactly those of ``test_kaggle_frames`` (of ``root``, or
    ``expected_ids`` when given); each appears once with a movement name from
    :data:`LABELS`.
    """
    if isinstance(path_or_text, os.PathLike) or (
            isinstance(path_or_text, str) and path_or_text.strip() and "\n" not in path_or_text
            and not path_or_text.lstrip("\ufeff").startswith("Id")):
        p = Path(path_or_text)
        if not p.is_file():
            raise ValueError(f"submission file {p} does not exist")
        text = p.read_text(encoding="utf-8")
    else:
        text = str(path_or_text)
    text = text.lstrip("\ufeff")
    lines = [ln for ln in text.splitlines()]
    if not lines or not lines[0].strip():
        raise ValueError("the submission is empty; its first line must be the header 'Id,Category'")
    head = [h.strip() for h in lines[0].split(",")]
    if head != ["Id", "Category"]:
        raise ValueError(f"the first line must be the header 'Id,Category' (exactly, case-sensitive), "
                         f"found {lines[0]!r}")
    out: dict[int, str] = {}
    for n, row in enumerate(csv.reader(lines[1:]), start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise ValueError(f"line {n}: expected two fields 'Id,Category', found {len(row)}: {','.join(row)!r}")
        sid, cat = row[0].strip(), row[1].strip()
        try:
            i = int(sid)
        except ValueError:
            raise ValueError(f"line {n}: Id {sid!r} is not a whole number (00017.jpg has Id 17)") from None
        if i in out:
            raise ValueError(f"line {n}: Id {i} is listed twice; give one prediction per test frame")
        if cat not in LABELS:
            hint = ""
            if cat.lower() in LABELS:
                hint = f" (use lower case: {cat.lower()!r})"
            elif cat.isdigit() and int(cat) < len(LABELS):
                hint = f" (write the movement name {LABELS[int(cat)]!r}, not the class index)"
            raise ValueError(f"line {n}: {cat!r} is not a movement{hint}; use one of: {', '.join(LABELS)}")
        out[i] = cat
    if not out:
        raise ValueError("the submission has a header but no predictions")
    expected = _expected_ids(root, expected_ids)
    if expected is not None:
        exp = set(expected)
        missing = sorted(exp - set(out))
        extra = sorted(set(out) - exp)
        if missing:
            raise ValueError(f"{len(missing)} of {len(exp)} test frames have no prediction "
                             f"(e.g. Id {missing[:5]}); predict every frame in test_kaggle_frames")
        if extra:
            raise ValueError(f"{len(extra)} Ids are not test frames (e.g. {extra[:5]}); "
                             f"valid Ids run from {min(exp)} to {max(exp)}")
    return out
