"""Writing the rows: COPY on PostgreSQL (in writer threads), multi-row INSERTs elsewhere."""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections import Counter

from django.core.management.base import CommandError
from django.db import connection, models, transaction

from dossiers.models import (
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    DossierStep,
    Paper,
)

COLUMNS: dict[type[models.Model], list[str]] = {
    Dossier: [
        "id", "code", "procedure_id", "applicant_name", "applicant_id_number", "applicant_phone",
        "applicant_email", "applicant_address", "organisation_name", "language",
        "receiving_unit_id", "competent_unit_id", "channel", "result_delivery", "status",
        "handler_id", "received_by_id", "created_at", "received_at", "counts_from", "due_date",
        "original_due_date", "paused_on", "paused_working_days", "finished_at", "returned_at",
        "result", "reason", "supplement_note", "returned_to", "return_method", "version",
        "updated_at",
    ],
    DossierDocument: [
        "id", "dossier_id", "catalogue_document_id", "position", "name", "required", "originals",
        "copies", "provided",
    ],
    DossierEvent: [
        "id", "dossier_id", "action", "actor_id", "at", "from_status", "to_status", "note", "data",
    ],
    DossierStep: [
        "id", "dossier_id", "kind", "unit_id", "handler_id", "started_at", "due", "finished_at",
        "note",
    ],
    Paper: ["id", "kind", "dossier_id", "token", "issued_at", "issued_by_id", "content", "prints"],
}  # fmt: skip
TABLES = list(COLUMNS)

# ---------------------------------------------------------------------------------------
# Writing: COPY on PostgreSQL, INSERT elsewhere. Columns added to the models later that
# seed_bench does not know get their default (or NULL), or the command says it cannot.


class Writer:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.seconds: Counter = Counter()  # time spent writing each table (all writers)
        self.rows: Counter = Counter()  # rows written to each table
        self.lock = threading.Lock()
        self.extra: dict[type[models.Model], tuple[list[str], tuple]] = {}
        self.datetimes: dict[type[models.Model], list[int]] = {}
        for model, columns in COLUMNS.items():
            names, values = [], []
            concrete = {f.column: f for f in model._meta.concrete_fields}
            unknown = [c for c in columns if c not in concrete]
            if unknown:
                raise CommandError(f"seed_bench: {model.__name__} has no column {unknown}")
            for column, model_field in concrete.items():
                if column in columns:
                    continue
                if model_field.has_default():
                    value = model_field.get_db_prep_save(model_field.get_default(), connection)
                elif model_field.null:
                    value = None
                else:
                    raise CommandError(
                        f"seed_bench: {model.__name__}.{model_field.name} is required and "
                        "seed_bench does not know how to fill it; teach it."
                    )
                names.append(column)
                values.append(value)
            self.extra[model] = (names, tuple(values))
            self.datetimes[model] = [
                i
                for i, column in enumerate(columns)
                if isinstance(concrete[column], models.DateTimeField)
            ]

    def write(self, model: type[models.Model], rows: list[tuple]) -> None:
        if not rows:
            return
        names, values = self.extra[model]
        columns = COLUMNS[model] + names
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.postgres:
            with connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + values)
            return
        adapt = connection.ops.adapt_datetimefield_value
        positions = self.datetimes[model]
        converted = []
        for row in rows:
            row = list(row)
            for i in positions:
                if row[i] is not None:
                    row[i] = adapt(dt.datetime.fromisoformat(row[i]))
            converted.append(tuple(row) + values)
        per_statement = max(1, 900 // len(columns))  # SQLite's limit on parameters
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(converted), per_statement):
                chunk = converted[start : start + per_statement]
                # Table and column names come from the models, the values are parameters.
                cursor.execute(
                    f"INSERT INTO {table} ({quoted}) VALUES "  # noqa: S608
                    + ", ".join([marks] * len(chunk)),
                    [value for row in chunk for value in row],
                )

    def write_counters(self, counters: dict[tuple[int, dt.date], int]) -> None:
        """Upsert the running numbers (PostgreSQL and SQLite both speak ON CONFLICT)."""
        rows = [(unit_id, day.isoformat(), last) for (unit_id, day), last in counters.items()]
        table = connection.ops.quote_name(DossierCounter._meta.db_table)
        if self.postgres and rows:
            units, days, lasts = zip(*rows, strict=True)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (unit_id, day, last) "  # noqa: S608
                    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
                    "ON CONFLICT (unit_id, day) DO UPDATE SET last = EXCLUDED.last",
                    [list(units), list(days), list(lasts)],
                )
            return
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 300):
                chunk = rows[start : start + 300]
                cursor.execute(
                    f"INSERT INTO {table} (unit_id, day, last) VALUES "  # noqa: S608
                    + ", ".join(["(%s, %s, %s)"] * len(chunk))
                    + " ON CONFLICT (unit_id, day) DO UPDATE SET last = EXCLUDED.last",
                    [value for row in chunk for value in row],
                )

    def write_batch(self, tables: dict, counters: dict) -> None:
        """One transaction: the rows of whole days and their counters, so that whatever
        happens later the database holds complete days with consistent counters."""
        seconds: Counter = Counter()
        begun = time.perf_counter()
        with transaction.atomic():
            for model in TABLES:
                started = time.perf_counter()
                self.write(model, tables.get(model, []))
                seconds[model] += time.perf_counter() - started
            started = time.perf_counter()
            self.write_counters(counters)
            seconds[DossierCounter] += time.perf_counter() - started
            started = time.perf_counter()
        # The foreign keys are checked at commit (deferred constraints).
        seconds["commit"] += time.perf_counter() - started
        seconds["total"] += time.perf_counter() - begun
        with self.lock:
            self.seconds.update(seconds)
            self.rows.update({model: len(rows) for model, rows in tables.items()})
            self.rows[DossierCounter] += len(counters)


class BatchWriter:
    """Writes batches in threads of their own (each its own connection) while the next
    batches are made, so that Python and PostgreSQL work at the same time and PostgreSQL
    checks foreign keys on two cores. Inside a transaction (tests) or on SQLite it writes
    in line instead, on the caller's connection."""

    def __init__(self, writer: Writer, threads: int):
        self.writer = writer
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.threads = [
            threading.Thread(target=self.run, daemon=True)
            for _ in range(threads if threaded else 0)
        ]
        self.queue: queue.Queue = queue.Queue(maxsize=len(self.threads) + 1)
        self.error: BaseException | None = None

    def __enter__(self) -> BatchWriter:
        for thread in self.threads:
            thread.start()
        return self

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                # Scratch data: a crash loses the last batches, never corrupts them.
                cursor.execute("SET synchronous_commit TO off")
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        self.writer.write_batch(*batch)
                    except BaseException as error:  # noqa: BLE001 - raised by the producer
                        self.error = error
        finally:
            connection.close()

    def put(self, tables: dict, counters: dict) -> None:
        if not self.threads:
            self.writer.write_batch(tables, counters)
            return
        if self.error is not None:
            raise self.error
        self.queue.put((tables, counters))

    def __exit__(self, *exc) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error
