"""Pure parts of the client: tensor codec, error mapping, ring and failover order (no processes)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
import redis

from actorcache import AsyncCache, Cache, codec
from actorcache.calls import check_bulk_size
from actorcache.options import Options
from actorcache.errors import (AuthError, KeyTooLong, Overloaded, RequestError, StaleLease,
                               Unavailable, ValueTooLarge, WrongType, from_response_error)
from actorcache.ring import RendezvousRing
from actorcache.routing import Member, Routing

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_tensor_survives_encode_and_decode_with_dtype_and_shape(dtype: str) -> None:
    a = (np.random.default_rng(3).random((2, 3, 4)) * 50).astype(dtype)
    t = codec.encode_tensor(a)
    assert (t.dtype, t.shape) == (dtype, "2,3,4")
    b = codec.decode_tensor(t.dtype.encode(), [b"2", b"3", b"4"], t.data)
    assert b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b)
    b[...] = 0  # writable


def test_tensor_bytes_are_little_endian_and_row_major() -> None:
    a = np.asfortranarray(np.arange(6, dtype=">i4").reshape(2, 3))
    assert codec.encode_tensor(a).data == np.arange(6, dtype="<i4").tobytes()


def test_values_other_than_bytes_str_and_arrays_are_refused_not_pickled() -> None:
    for bad in (3, 1.5, None, {"a": 1}, [1, 2]):
        with pytest.raises(TypeError):
            codec.encode_value(bad)
    with pytest.raises(TypeError):
        codec.encode_value(np.array(["text"]))
    assert codec.encode_value("é") == "é".encode()


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_numpy_scalar_is_a_0d_tensor_and_every_caller_reads_a_0d_array(dtype: str) -> None:
    scalar = np.dtype(dtype).type(3)  # what features.mean() or arr[0] returns
    t = codec.encode_value(scalar)
    assert isinstance(t, codec.Tensor) and (t.dtype, t.shape) == (dtype, "")
    back = codec.decode_tensor(t.dtype, [], bytes(t.data))
    mine = codec.as_returned(scalar)  # what get_or_compute hands its own caller
    for a in (back, mine):
        assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == scalar.dtype
        assert a == scalar


def test_numpy_bytes_and_str_scalars_stay_bytes() -> None:
    assert codec.encode_value(np.bytes_(b"ab")) == b"ab"
    assert codec.encode_value(np.str_("é")) == "é".encode()
    assert codec.as_returned(np.str_("ab")) == b"ab"


def test_lease_replies_are_read_as_values_tensors_or_tokens() -> None:
    t = codec.encode_tensor(np.ones((2, 2), np.float32))
    assert codec.parse_lease_reply([b"value", b"xy"]) == ("value", b"xy")
    kind, arr = codec.parse_lease_reply([b"tensor", b"float32", [2, 2], t.data])
    assert kind == "value" and arr.shape == (2, 2) and arr.dtype == np.float32
    assert codec.parse_lease_reply([b"lease", b"tok-1"]) == ("lease", "tok-1")
    with pytest.raises(ValueError):
        codec.parse_lease_reply(b"OK")


def test_tensor_get_replies_are_read_as_arrays_misses_or_bytes() -> None:
    t = codec.encode_tensor(np.arange(6, dtype=np.uint16).reshape(3, 2))
    a = codec.parse_tensor_get([b"uint16", [3, 2], t.data])
    assert a.dtype == np.uint16 and a.shape == (3, 2)
    assert codec.parse_tensor_get(None) is None
    assert codec.parse_tensor_get([b"bytes", [2], b"ab"]) == b"ab"


def test_fill_and_set_arguments_carry_ttl_and_tensor_description() -> None:
    t = codec.encode_tensor(np.zeros((10, 50, 60), np.float32))
    assert codec.fill_args("k", "t", t, 2.5)[4:] == ["EX", 3, "TENSOR", "float32", "10,50,60"]
    assert codec.set_args("k", b"v", None) == ["SET", "k", b"v"]
    assert codec.set_args("k", t, 60)[:4] == ["AC.TENSOR.SET", "k", "float32", "10,50,60"]
    with pytest.raises(ValueError):
        codec.set_args("k", b"v", 0)


@pytest.mark.parametrize("reply,cls", [
    ("KEYTOOLONG key is 600 bytes", KeyTooLong), ("VALUETOOLARGE too big", ValueTooLarge),
    ("OVERLOADED busy", Overloaded), ("UNAVAILABLE redis down", Unavailable),
    ("STALELEASE not the current lease", StaleLease), ("WRONGTYPE the value is not a tensor", WrongType), ("WRONGPASS invalid password", AuthError),
    ("wrong number of arguments for 'get' command", RequestError),
])
def test_error_replies_become_exceptions_with_the_nodes_reason(reply: str, cls: type) -> None:
    err = from_response_error(redis.ResponseError(reply))
    assert isinstance(err, cls)
    assert err.reason == (reply.split(" ", 1)[1] if cls is not RequestError else reply)


def test_noauth_becomes_an_auth_error() -> None:
    assert isinstance(from_response_error(redis.AuthenticationError("Authentication required.")), AuthError)


def test_the_ring_gives_ties_to_the_smallest_id_and_ranks_every_member() -> None:
    r = RendezvousRing(["c", "a", "b", "a"])
    assert r.ids == ["a", "b", "c"]
    for i in range(200):
        k = f"k{i}".encode()
        assert r.ranked(k)[0] == r.owner(k) and sorted(r.ranked(k)) == r.ids


def test_removing_a_member_moves_only_its_keys() -> None:
    before, after = RendezvousRing(["a", "b", "c"]), RendezvousRing(["a", "c"])
    for i in range(1000):
        k = f"k{i}".encode()
        if before.owner(k) != "b":
            assert after.owner(k) == before.owner(k)


def test_failover_tries_the_owner_then_the_others_and_failed_members_last() -> None:
    now = [0.0]
    r = Routing(["127.0.0.1:1"], down_for=2.0, clock=lambda: now[0])
    r.update([Member("a", "x:1", "127.0.0.1:10", "alive"), Member("b", "x:2", "127.0.0.1:11", "alive"),
              Member("c", "x:3", "127.0.0.1:12", "down")])
    order = r.candidates(b"key")
    assert len(order) == 3 and order[-1] == "127.0.0.1:1" and "127.0.0.1:12" not in order
    r.mark_down(order[0])
    assert r.candidates(b"key")[-1] == order[0]
    now[0] = 3.0
    assert r.candidates(b"key") == order


def test_a_member_that_answers_again_is_tried_in_its_place_at_once_and_a_seed_is_named_once() -> None:
    r = Routing(["127.0.0.1:10"], down_for=60.0)
    r.update([Member("a", "x:1", "127.0.0.1:10", "alive"), Member("b", "x:2", "127.0.0.1:11", "alive")])
    order = r.candidates(b"key")
    assert sorted(order) == ["127.0.0.1:10", "127.0.0.1:11"]  # the seed is member a: once
    r.mark_down(order[0])
    assert r.candidates(b"key") == [order[1], order[0]]
    r.mark_up(order[0])  # it answered: no waiting out down_for
    assert r.candidates(b"key") == order


def test_a_lease_wait_adds_three_leases_to_the_reply_timeout_and_is_unbounded_without_one() -> None:
    assert Options(socket_timeout=5.0).lease_wait(2000) == 11.0
    assert Options(socket_timeout=None).lease_wait(2000) is None


def test_a_value_longer_than_the_largest_bulk_a_node_reads_is_refused_before_sending() -> None:
    limit = Options().max_bulk_bytes
    assert limit == 8 << 20  # the node's default bound on one bulk
    check_bulk_size(b"x" * limit, limit)  # the node reads it (and may answer VALUETOOLARGE)
    check_bulk_size(codec.encode_value(np.zeros(limit // 8)), limit)
    with pytest.raises(ValueTooLarge, match="not sent"):
        check_bulk_size(b"x" * (limit + 1), limit)
    with pytest.raises(ValueTooLarge):
        check_bulk_size(codec.encode_value(np.zeros(10 * 1024 * 1024 // 8)), limit)
    check_bulk_size(b"x" * (limit + 1), None)  # None: no check
    check_bulk_size(b"x" * (limit + 1), 2 * limit)


def test_set_of_a_value_over_max_bulk_bytes_raises_value_too_large_without_asking_any_member() -> None:
    big = np.zeros(10 * 1024 * 1024 // 8)
    nowhere = [Member("a", "x:1", "127.0.0.1:1", "alive")]  # nothing listens there

    def known(cache):  # members known (no refresh due): a request would go to 127.0.0.1:1
        cache._routing.update(nowhere)
        return cache
    cache = known(Cache(["127.0.0.1:1"]))
    with pytest.raises(ValueTooLarge):
        cache.set("x", big)
    assert not cache._routing._down_until
    with pytest.raises(ValueTooLarge):
        known(Cache(["127.0.0.1:1"], max_bulk_bytes=1000)).set("x", b"y" * 1001)

    async def main() -> None:
        async with known(AsyncCache(["127.0.0.1:1"])) as c:
            with pytest.raises(ValueTooLarge):
                await c.set("x", big)
            assert not c._routing._down_until
    asyncio.run(main())
