"""Init container: wait until every topic of ocop_shared.kafka exists (created by Strimzi from the
KafkaTopic resources). Without it a service that starts first would create missing topics itself with
3 partitions and replication factor 1 (right for the embedded broker, wrong in a cluster)."""

import asyncio
import contextlib
import os
import sys

from aiokafka.admin import AIOKafkaAdminClient

from ocop_shared.kafka import all_topics


async def missing() -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["OCOP_KAFKA_BOOTSTRAP"], request_timeout_ms=5000)
    try:
        await admin.start()
        return sorted(set(all_topics()) - set(await admin.list_topics()))
    except Exception as exc:  # noqa: BLE001 - broker not reachable yet: keep waiting
        return [repr(exc)]
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


async def main() -> None:
    while left := await missing():
        print("waiting for Kafka topics:", left, file=sys.stderr, flush=True)
        await asyncio.sleep(5)


asyncio.run(main())
