"""The consumers' watch on the relay's epochs: which records of a batch to handle, which partitions to read again."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_shared import log_epochs
from ocop_shared.log_epochs import EpochWatch


@dataclass
class R:
    topic: str
    partition: int
    offset: int
    headers: tuple = ()


def rec(partition: int, offset: int, source: str | None = "registry", epoch: int = 1, topic: str = "t") -> R:
    return R(topic, partition, offset, (log_epochs.header(source, epoch),) if source else ())


def offsets(records) -> list[tuple[int, int]]:
    return [(r.partition, r.offset) for r in records]


def test_first_sight_and_same_epoch_keep_everything():
    watch = EpochWatch()
    plan = watch.plan([rec(0, 5), rec(0, 6), rec(1, 9, epoch=3)])
    assert offsets(plan.keep) == [(0, 5), (0, 6), (1, 9)] and plan.rewind == set()
    watch.learn(plan)
    plan = watch.plan([rec(0, 7), rec(1, 10, epoch=3)])
    assert offsets(plan.keep) == [(0, 7), (1, 10)] and plan.rewind == set()


def test_a_higher_epoch_rewinds_its_partition_and_drops_the_rest_of_it_only():
    watch = EpochWatch()
    watch.learn(watch.plan([rec(0, 199), rec(1, 40)]))
    plan = watch.plan([rec(0, 200), rec(0, 201, epoch=2), rec(1, 41), rec(0, 202, epoch=2), rec(0, 203)])
    assert plan.rewind == {("t", 0)}
    assert offsets(plan.keep) == [(0, 200), (1, 41)]  # what came before the new epoch, and the other partition


def test_after_the_rewind_older_epochs_are_read_again_without_another_rewind():
    watch = EpochWatch()
    watch.learn(watch.plan([rec(0, 199)]))
    watch.learn(watch.plan([rec(0, 200, epoch=2)]))
    plan = watch.plan([rec(0, 0, epoch=1), rec(0, 1, epoch=2), rec(0, 2, epoch=2)])  # the new log, from its start
    assert plan.rewind == set() and len(plan.keep) == 3


def test_nothing_is_learnt_until_the_batch_is_done():
    """A batch that fails comes again: its new epoch must still rewind the partition then."""
    watch = EpochWatch()
    watch.learn(watch.plan([rec(0, 10)]))
    first = watch.plan([rec(0, 11, epoch=2)])
    again = watch.plan([rec(0, 11, epoch=2)])
    assert first.rewind == again.rewind == {("t", 0)}
    watch.learn(again)
    assert watch.plan([rec(0, 0, epoch=2)]).rewind == set()


def test_sources_and_topics_are_watched_apart():
    watch = EpochWatch()
    watch.learn(watch.plan([rec(0, 1, source="registry_a", epoch=4), rec(0, 2, source="registry_b", epoch=1)]))
    plan = watch.plan([rec(0, 3, source="registry_b", epoch=1), rec(0, 4, source="registry_a", epoch=4)])
    assert plan.rewind == set()  # b's epoch 1 is b's own, not below a's 4
    plan = watch.plan([rec(0, 5, source="registry_b", epoch=2, topic="u")])
    assert plan.rewind == set()  # first sight on topic u


def test_records_without_a_well_formed_mark_are_kept_and_never_rewind():
    watch = EpochWatch()
    watch.learn(watch.plan([rec(0, 1)]))
    hostile = [
        R("t", 0, 2),
        R("t", 0, 3, ((log_epochs.HEADER, b"registry:x"),)),
        R("t", 0, 4, ((log_epochs.HEADER, b"\xff\xfe:9"),)),
        R("t", 0, 5, ((log_epochs.HEADER, b":9"),)),
        R("t", 0, 6, ((log_epochs.HEADER, None),)),
        R("t", 0, 7, ((log_epochs.HEADER, "registry:²".encode()),)),  # a digit to isdigit(), not to int()
        R("t", 0, 8, ((log_epochs.HEADER, b"registry:" + b"9" * 5000),)),  # past int()'s digit limit
        R("t", 0, 9, ((log_epochs.HEADER, "registry:٣".encode()),)),  # an Arabic-Indic three
    ]
    plan = watch.plan(hostile)
    assert plan.rewind == set() and len(plan.keep) == len(hostile)
    assert [log_epochs.epoch_of(r) for r in hostile[1:]] == [None, ("\ufffd\ufffd", 9), None, None, None, None, None]
    assert log_epochs.epoch_of(R("t", 0, 7, ((log_epochs.HEADER, b"a:b:12"),))) == ("a:b", 12)


def test_a_partition_that_could_not_be_rewound_keeps_its_old_epoch():
    """No longer assigned (a rebalance): should it come back, its new epoch must rewind it then."""
    watch = EpochWatch()
    watch.learn(watch.plan([rec(0, 10), rec(1, 10)]))
    plan = watch.plan([rec(0, 11, epoch=2), rec(1, 11, epoch=2), rec(2, 0, epoch=2)])
    assert plan.rewind == {("t", 0), ("t", 1)}
    watch.learn(plan, not_rewound={("t", 1)})
    assert watch.plan([rec(0, 0, epoch=2)]).rewind == set()  # rewound: epoch 2 is known
    assert watch.plan([rec(1, 12, epoch=2)]).rewind == {("t", 1)}  # not rewound: still new
    assert watch.plan([rec(2, 1, epoch=2)]).rewind == set()  # first sight, learnt
