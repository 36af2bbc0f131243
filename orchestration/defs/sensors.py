"""Late files: re-run the partitions whose landing folders got files after they were loaded."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.config import settings
from orchestration.defs.late_files import find_late_files, read_load_log_snapshot

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def build_late_files_sensor(job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="late_files_sensor",
        job=job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Files in landing/<source>/<date>/ that audit.load_log has not seen (new or "
        "changed) for dates already loaded: re-run those partitions.",
    )
    def late_files_sensor(context: dg.SensorEvaluationContext):
        cfg = settings()
        loaded = read_load_log_snapshot(cfg)
        if loaded is None:
            return dg.SkipReason("no load-log snapshot yet (nothing loaded)")
        today = datetime.now(AMSTERDAM).date()
        late = find_late_files(cfg.landing_dir, loaded, today)
        if not late:
            return dg.SkipReason("no late files")
        requests = []
        for partition, files in sorted(late.items()):
            # the run key names the exact files: the same late files never trigger twice,
            # a further late file for the same day does
            fingerprints = "\n".join(f.fingerprint for f in files).encode()
            digest = hashlib.sha256(fingerprints).hexdigest()[:16]
            context.log.info(
                f"{partition}: {len(files)} late file(s): "
                + ", ".join(f"{f.path} ({f.reason})" for f in files[:5])
            )
            requests.append(
                dg.RunRequest(
                    run_key=f"late-{partition}-{digest}",
                    partition_key=partition,
                    tags={"omnikpi/trigger": "late-files"},
                )
            )
        return requests

    return late_files_sensor
