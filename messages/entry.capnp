# entry.capnp: the envelope of every value actorcache stores in Redis (L2), readable from any language.
#
# Bytes in Redis are one standard unpacked message (capnp::messageToFlatArray) whose root is Entry;
# `capnp decode messages/entry.capnp Entry` prints one. Add fields only at the end (new ordinals);
# never renumber or change the type of an existing field.
@0xd67daa46f86ceae5;

$import "/capnp/c++.capnp".namespace("ac::schema");

# Element type of a tensor; sizes are fixed so a reader can check data against shape.
enum Dtype {
  float32 @0;  # IEEE 754 binary32, 4 bytes
  float64 @1;  # IEEE 754 binary64, 8 bytes
  int32 @2;    # two's complement, 4 bytes
  int64 @3;    # two's complement, 8 bytes
  uint8 @4;    # 1 byte
  int8 @5;     # two's complement, 1 byte
  uint16 @6;   # 2 bytes
  int16 @7;    # two's complement, 2 bytes
  uint32 @8;   # 4 bytes
  uint64 @9;   # 8 bytes
  bool @10;    # 1 byte, 0 or 1
  float16 @11; # IEEE 754 binary16, 2 bytes
}

# A dense n-dimensional array (what numpy calls an ndarray), row-major (C order).
struct Tensor {
  dtype @0 :Dtype;          # element type
  shape @1 :List(UInt64);   # extent of each dimension; empty = a scalar (one element)
  data @2 :Data;            # product(shape) elements, little-endian, row-major; size is checked on decode
}

# One cached value and what the node knows about it.
struct Entry {
  # The value itself; the variant keeps its type so a reader does not have to guess.
  value :union {
    bytes @0 :Data;         # opaque bytes, returned as they were put
    text @1 :Text;          # UTF-8 text
    json @2 :Text;          # a UTF-8 JSON document
    tensor @3 :Tensor;      # a typed array with shape
  }
  createdAtMs @4 :Int64;    # when the value was computed or put, Unix epoch milliseconds
  ttlSeconds @5 :UInt32;    # lifetime granted at creation; 0 = no expiry
  computeMicros @6 :UInt32; # how long computing the value took, microseconds; 0 = put, not computed
  producedBy @7 :Text;      # id of the node that produced the value (node.id)
  schemaVersion @8 :UInt16 = 1; # version of this envelope; readers refuse versions they do not know
}
