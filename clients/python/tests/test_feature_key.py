"""feature_key equals `actorcache-client key` (the C++ normalization) on every dtype and edge value."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import numpy as np
import pytest

from actorcache import config_signature, feature_key
from procs import program

PARAMS = dict(fused_feature_dim=256, enable_fallback=True, mode="fast", window=-3, ratio=0.5)
CLI_PARAMS = ["--param=fused_feature_dim=256", "--param=enable_fallback=true", "--param=mode=fast",
              "--param=window=-3", "--param=ratio=0.5"]


def arrays() -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "market_float32": rng.random((10, 50, 60), dtype=np.float32),
        "normal_float64": rng.normal(size=(3, 7)),
        "ties_and_specials": np.array([0.0, -0.0, 1.0000005, 2.5e-7, 0.5e-6, 1.5e-6, 2.5e-6, -2.5e-7,
                                       np.nan, -np.nan, np.inf, -np.inf, 1e300, -1e308, 1.7e308,
                                       5e-324, -3.1415926535, 1e-7, -1e-7, 123456.7890125]),
        "tiny": rng.random(1000) * 1e-5,
        "huge": rng.random(50) * 1e305,
        "int64": np.arange(24, dtype=np.int64).reshape(2, 3, 4) * 123456789012,
        "int64_extremes": np.array([2**63 - 1, -2**63, 2**53 + 1], dtype=np.int64),
        "int32": np.arange(-5, 5, dtype=np.int32),
        "uint8": np.arange(256, dtype=np.uint8).reshape(16, 16),
        "uint64": np.array([2**64 - 1, 0, 12345], dtype=np.uint64),
        "bool": np.array([[True, False], [False, True]]),
        "float16": np.array([0.1, -0.0, 65504, 6e-8, np.nan, np.inf], dtype=np.float16),
        "fortran_order": np.asfortranarray(rng.random((4, 5, 6))),
        "big_endian": rng.random((3, 3)).astype(">f8"),
        "zero_d": np.array(3.25),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


@pytest.mark.parametrize("name", list(arrays()))
def test_python_and_cpp_give_the_same_key(name: str, tmp_path: Path) -> None:
    a = arrays()[name]
    np.save(tmp_path / "a.npy", a)
    cpp = subprocess.run([program("actorcache-client"), "key", f"--npy={tmp_path / 'a.npy'}", *CLI_PARAMS],
                         capture_output=True, text=True, timeout=30)
    assert cpp.returncode == 0, cpp.stderr
    assert cpp.stdout.strip() == feature_key(np.load(tmp_path / "a.npy"), **PARAMS)


def test_cpp_key_without_params_matches_too(tmp_path: Path) -> None:
    a = np.linspace(-1, 1, 11, dtype=np.float32)
    np.save(tmp_path / "a.npy", a)
    cpp = subprocess.run([program("actorcache-client"), "key", f"--npy={tmp_path / 'a.npy'}"],
                         capture_output=True, text=True, timeout=30)
    assert cpp.stdout.strip() == feature_key(a)


def test_cpp_key_refuses_a_missing_file_with_exit_code_2(tmp_path: Path) -> None:
    cpp = subprocess.run([program("actorcache-client"), "key", f"--npy={tmp_path / 'none.npy'}"],
                         capture_output=True, text=True, timeout=30)
    assert cpp.returncode == 2 and "cannot read" in cpp.stderr


def test_float_noise_below_six_decimals_gives_one_key() -> None:
    assert feature_key(np.array([1.0000001, 2.0])) == feature_key(np.array([1.0000002, 2.0]))
    assert feature_key(np.array([1.000001, 2.0])) != feature_key(np.array([1.000002, 2.0]))


def test_negative_zero_and_nan_payloads_give_one_key() -> None:
    other_nan = np.frombuffer(np.uint64(0x7FF8000000000123).tobytes(), dtype=np.float64)[0]
    assert feature_key(np.array([-0.0, np.nan])) == feature_key(np.array([0.0, other_nan]))


def test_the_shape_is_part_of_the_key() -> None:
    a = np.arange(6, dtype=np.float32)
    assert feature_key(a.reshape(2, 3)) != feature_key(a.reshape(3, 2)) != feature_key(a)


def test_float32_and_float64_of_the_same_values_share_a_key() -> None:
    a = np.array([0.5, 0.25, 3.0], dtype=np.float32)
    assert feature_key(a) == feature_key(a.astype(np.float64))


def test_parameter_order_does_not_matter_but_values_do() -> None:
    a = np.ones(3)
    assert feature_key(a, x=1, y="b") == feature_key(a, y="b", x=1)
    assert feature_key(a, x=1) != feature_key(a, x=2) != feature_key(a)


def test_parameters_are_written_as_the_command_line_writes_them() -> None:
    assert config_signature([("on", "true"), ("n", "256"), ("s", "abc")]) == \
        feature_key(np.ones(1), on=True, n=256, s="abc").rsplit(":", 1)[1]


def test_arrays_of_objects_or_parameters_of_other_types_are_refused() -> None:
    with pytest.raises(TypeError):
        feature_key(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        feature_key(np.ones(2), cfg={"a": 1})


def test_the_key_has_the_documented_form() -> None:
    prefix, digest, signature = feature_key(np.ones(2), n=1).split(":")
    assert prefix == "features" and len(digest) == 32 and len(signature) == 16
    int(digest, 16), int(signature, 16)
