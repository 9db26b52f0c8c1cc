"""Which log a record came from: the relay's epoch on every record, and the consumers' watch on it.

The embedded broker keeps its log in memory. Restarted, it starts every partition again at offset 0, and a
consumer that was reading the lost log keeps its fetch position (and may even commit it in the new log): it goes
on reading the new log *there*, skipping every record below it. The offsets alone cannot show it. The relay
knows: it starts a new epoch when it finds its log lost (``ocop_shared.outbox``), and every record it publishes
says ``<source>:<epoch>`` in the ``ocop_epoch`` header (``source`` is the publishing service's database, shared by
its replicas with their epoch). A consumer that meets, on a partition, a source's epoch above the one it read
there before reads that partition again from its start; the inbox makes the records read twice no-ops.
Found by the chaos test: traceability, reading while the broker was killed and restarted at once, went on at its
old offset in the new log and never applied 291 of 1,100 events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

HEADER = "ocop_epoch"

Partition = tuple[str, int]


def header(source: str, epoch: int) -> tuple[str, bytes]:
    return HEADER, f"{source}:{epoch}".encode()


def epoch_of(record: Any) -> tuple[str, int] | None:
    """The (source, epoch) a record was published in; None for records without a well-formed mark (published
    by something other than a relay, or hostile)."""
    for key, value in record.headers or ():
        if key != HEADER or not isinstance(value, bytes | bytearray):
            continue
        source, _, number = bytes(value).decode(errors="replace").rpartition(":")
        # ASCII digits only, and few of them: int() refuses "²" and 5,000 digits, and a batch that raises here
        # would be delivered again for ever
        if source and number.isascii() and number.isdigit() and len(number) <= 18:
            return source, int(number)
    return None


@dataclass
class Plan:
    """What to do with one batch: handle ``keep``; read ``rewind`` again from the start; then ``learn`` it."""

    keep: list[Any]
    rewind: set[Partition]
    seen: dict[tuple[str, int, str], int] = field(default_factory=dict)


class EpochWatch:
    """The highest epoch of each source read on each partition, in this process.

    ``plan`` changes nothing: the epochs seen are learnt only once the batch is handled and the partitions
    rewound (``learn``). A batch that fails is delivered again, and its new epoch must still be seen as new."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, str], int] = {}

    def plan(self, records: Iterable[Any]) -> Plan:
        seen = dict(self._seen)
        keep: list[Any] = []
        rewind: set[Partition] = set()
        for record in records:
            partition = (record.topic, record.partition)
            if partition in rewind:
                continue  # read again from the start, in order
            mark = epoch_of(record)
            if mark is not None:
                key = (record.topic, record.partition, mark[0])
                known = seen.get(key)
                if known is not None and mark[1] > known:
                    rewind.add(partition)
                    seen[key] = mark[1]
                    continue
                seen[key] = mark[1] if known is None else max(known, mark[1])
            keep.append(record)
        return Plan(keep, rewind, seen)

    def learn(self, plan: Plan, *, not_rewound: Iterable[Partition] = ()) -> None:
        """Keep what ``plan`` saw, except the new epochs of partitions that could not be rewound (no longer
        assigned to this member): were one to come back, its new epoch must still rewind it."""
        seen = dict(plan.seen)
        for topic, partition in not_rewound:
            for key in [k for k in seen if k[:2] == (topic, partition)]:
                if key in self._seen:
                    seen[key] = self._seen[key]
                else:
                    del seen[key]
        self._seen = seen
