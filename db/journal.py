"""The journal: append-only, hash-chained, checked against signed checkpoints kept outside the database.

Each entry's hash is SHA-256 over a canonical JSON of (prev_hash, seq, at, actor, station, kind,
payload), so editing, deleting or reordering entries breaks the chain. Someone with database admin
rights can rewrite the whole chain after an edit; a signed checkpoint exported earlier (printed on the
daily report) exposes that, and a truncated tail, up to the checkpoint's entry.
"""

from __future__ import annotations

import json
import json.encoder
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session, make_transient_to_detached

from db import write_sql
from db.keys import Keyring
from db.models import JournalEntry
from db.personal import personal_number_in
from db.write_sql import RowWrite

GENESIS_HASH = "0" * 64
CHECKPOINT_FORMAT = "anchang-journal-checkpoint/1"
VERIFY_BATCH = 5000
VERIFY_PROGRESS_EVERY = 1000  # entries between two progress calls of verify(): a cancel waits no longer


# The string encoder json.dumps(..., ensure_ascii=False) uses (the C one when available).
_quote = json.encoder.encode_basestring


def _refuse(value: object) -> object:
    if isinstance(value, datetime):
        raise TypeError("datetime in canonical JSON: pass an ISO-8601 string")
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical_json(obj: object) -> str:
    """Sorted keys, no spaces, UTF-8 text as is. One object has exactly one spelling."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_refuse
    )


def _utc_iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime: journal times must be aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, station: str, kind: str, payload_json: str
) -> str:
    """SHA-256 of canonical_json({"actor", "at", "kind", "payload", "prev_hash", "seq", "station"}).

    Spelled out by hand (same bytes, tested) because verify() calls it a million times.
    """
    if not all(isinstance(v, str) for v in (prev_hash, actor, station, kind, payload_json)):
        raise TypeError("entry_hash: text fields must be str")
    if type(seq) is not int:
        raise TypeError("entry_hash: seq must be an int")
    text = (
        f'{{"actor":{_quote(actor)},"at":"{_utc_iso(at)}","kind":{_quote(kind)},'
        f'"payload":{_quote(payload_json)},"prev_hash":{_quote(prev_hash)},"seq":{seq},'
        f'"station":{_quote(station)}}}'
    )
    return sha256(text.encode("utf-8")).hexdigest()


# --- appending ------------------------------------------------------------------------------------

class PersonalDataInPayload(ValueError):
    """The payload holds what looks like a plain phone or ID-card number. The value is not repeated."""


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}[{key!r}]", str(key)
            yield from _strings(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_no_personal_data(payload: dict[str, Any]) -> None:
    for path, text in _strings(payload, "payload"):
        what = personal_number_in(text)  # any spacing or punctuation: "159.1234.5678", "110105-19491231-002X"
        if what is not None:
            where = re.sub(r"\d{5,}", "…", path)  # a dict key may be the number itself
            raise PersonalDataInPayload(
                f"日志不得含明文个人信息 / journal payload must not hold plain personal data: "
                f"{where} looks like {what}; store it encrypted and journal its id or mask"
            )


@dataclass(frozen=True)
class Head:
    """The journal's last entry as a writer knows it: where the next entry links, and its time."""

    seq: int
    hash: str
    at: datetime | None = None
    station: str | None = None


EMPTY_HEAD = Head(0, GENESIS_HASH)


def _last_entry(session: Session) -> tuple[int, str]:
    head = read_head(session)
    return head.seq, head.hash


def read_head(session: Session) -> Head:
    row = session.execute(
        sa.select(JournalEntry.seq, JournalEntry.hash, JournalEntry.at, JournalEntry.station)
        .order_by(JournalEntry.seq.desc()).limit(1)
    ).first()
    return EMPTY_HEAD if row is None else Head(row.seq, row.hash, _aware(row.at), row.station)


def _aware(at: datetime) -> datetime:
    """SQLite hands times back naive; they were stored as UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def append(
    session: Session, *, at: datetime, actor: str, station: str, kind: str, payload: dict[str, Any],
    head: Head | None = None, notify_channel: str | None = None, writes: Sequence[RowWrite] = (),
) -> JournalEntry:
    """Add the next entry, and the rows in `writes` after it (no commit). The caller holds the single
    writer's lock.

    A writer that already knows the head (it replayed the journal under the same lock) passes it and
    saves a query; the primary key still refuses a second entry with the same seq. With
    `notify_channel` on PostgreSQL the insert and its NOTIFY are one statement, and so are the `writes`
    (each on rows no other touches: the projection of this entry), as data-modifying CTEs: one round
    trip for the whole write, its text built once per shape (db/write_sql.py) and prepared by psycopg.
    Elsewhere each is one statement. The entry returned is the stored row, as the session knows it.
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime: journal times must be aware")
    for name, value, limit in (("actor", actor, 64), ("station", station, 64), ("kind", kind, 32)):
        if not value or len(value) > limit:
            raise ValueError(f"journal {name} must be 1..{limit} characters: {value!r}")
    check_no_personal_data(payload)
    payload_json = canonical_json(payload)
    last_seq, last_hash = (head.seq, head.hash) if head is not None else _last_entry(session)
    seq = last_seq + 1
    values = {
        "seq": seq, "at": at, "actor": actor, "station": station, "kind": kind, "payload": payload_json,
        "prev_hash": last_hash, "hash": entry_hash(last_hash, seq, at, actor, station, kind, payload_json),
    }
    session.flush()  # pending ORM rows first, as an ORM add would have ordered them (none: no work)
    connection = session.connection()
    row = write_sql.insert(JournalEntry.__tablename__, values)
    if connection.dialect.name == "postgresql" and (notify_channel is not None or writes):
        params = row.params("j_")[0]
        for i, write in enumerate(writes):
            for r, written in enumerate(write.rows):
                params.update({f"w{i}_{r}_{column}": value for column, value in written.items()})
        if notify_channel is not None:
            params["notify_channel"] = notify_channel
        shapes = tuple((write.shape, len(write.rows)) for write in writes)
        connection.execute(_one_statement(row.shape, shapes, notify_channel is not None), params)
    else:
        write_sql.execute(connection, [row, *writes])
    session.info[JOURNAL_WRITTEN] = True  # read by service.live to wake this process's feeds at commit
    entry = JournalEntry(**values)
    make_transient_to_detached(entry)
    session.add(entry)  # known to the session as the stored row, without reading it back
    return entry


@lru_cache(maxsize=256)
def _one_statement(journal_shape: write_sql.Shape, shapes: tuple[tuple[write_sql.Shape, int], ...],
                   notify: bool) -> Any:
    """PostgreSQL: the journal insert, its NOTIFY and every row written (a CTE each) as one statement."""
    appended = write_sql.statement("postgresql", journal_shape, "j_").returning(_TABLE.c.seq).cte("appended")
    told = sa.func.pg_notify(sa.bindparam("notify_channel", type_=sa.Text), sa.cast(appended.c.seq, sa.Text)) \
        if notify else appended.c.seq
    return sa.select(told).select_from(appended).add_cte(
        *[write_sql.statement("postgresql", shape, f"w{i}_{r}_").cte(f"w{i}_{r}")
          for i, (shape, rows) in enumerate(shapes) for r in range(rows)])


_TABLE = cast(sa.Table, JournalEntry.__table__)
JOURNAL_WRITTEN = "anchang_journal_written"  # session.info key: this transaction appended to the journal


# --- database guards ------------------------------------------------------------------------------

_REFUSAL = "journal is append-only / 日志只能追加"


def guard_ddl(dialect_name: str) -> list[str]:
    """Statements that make the database itself refuse UPDATE, DELETE (and TRUNCATE) on journal."""
    if dialect_name == "sqlite":
        return [
            statement
            for op in ("update", "delete")
            for statement in (
                f"DROP TRIGGER IF EXISTS journal_no_{op}",
                f"CREATE TRIGGER journal_no_{op} BEFORE {op.upper()} ON journal "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}: {op.upper()} refused'); END",
            )
        ]
    if dialect_name == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION USING MESSAGE = '{_REFUSAL}: ' || TG_OP || ' refused', "
            "ERRCODE = 'insufficient_privilege'; END $$",
            "DROP TRIGGER IF EXISTS journal_no_update_delete ON journal",
            "CREATE TRIGGER journal_no_update_delete BEFORE UPDATE OR DELETE ON journal "
            "FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()",
            "DROP TRIGGER IF EXISTS journal_no_truncate ON journal",
            "CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal "
            "FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change()",
        ]
    raise ValueError(f"no journal guards for database dialect {dialect_name!r}")


def install_guards(connection: sa.Connection) -> None:
    """Run guard_ddl on this connection, in its transaction. Safe to run again."""
    for statement in guard_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


# --- checkpoints ----------------------------------------------------------------------------------


class CheckpointFileError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    """The journal's head at a moment, signed. Kept outside the database: exported, printed."""

    seq: int
    hash: str
    at: datetime
    signature: str  # hex Ed25519 signature over signed_message()
    public_key_pem: str

    def signed_message(self) -> bytes:
        body = {"format": CHECKPOINT_FORMAT, "seq": self.seq, "hash": self.hash, "at": _utc_iso(self.at)}
        return canonical_json(body).encode("utf-8")

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": CHECKPOINT_FORMAT,
                "seq": self.seq,
                "hash": self.hash,
                "at": _utc_iso(self.at),
                "signature": self.signature,
                "public_key_pem": self.public_key_pem,
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_file(self, path: Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_file(cls, path: Path) -> Checkpoint:
        def bad(reason: str) -> CheckpointFileError:
            return CheckpointFileError(f"检查点文件无效 / invalid checkpoint file {path}: {reason}")

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad(f"cannot read JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise bad(f"not a {CHECKPOINT_FORMAT} file")
        fields = {"seq": int, "hash": str, "at": str, "signature": str, "public_key_pem": str}
        for name, kind in fields.items():
            if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
                raise bad(f"field {name!r} missing or not {kind.__name__}")
        if not re.fullmatch(r"[0-9a-f]{64}", data["hash"]):
            raise bad("hash is not 64 hex digits")
        try:
            at = datetime.fromisoformat(data["at"])
        except ValueError as exc:
            raise bad(f"bad time {data['at']!r}") from exc
        if at.tzinfo is None:
            raise bad("time has no time zone")
        return cls(data["seq"], data["hash"], at, data["signature"], data["public_key_pem"])


def verify_signature(checkpoint: Checkpoint, trusted_public_key_pem: str | None = None) -> bool:
    """True if the checkpoint is signed by its own public key, and that key is the trusted one if given.

    Without a trusted key this only proves the file was not altered after signing; anyone can sign a
    checkpoint with a key of their own, so pass the site's key (or compare fingerprints) when you can.
    """
    if trusted_public_key_pem is not None and _pem_der(trusted_public_key_pem) != _pem_der(
        checkpoint.public_key_pem
    ):
        return False
    try:
        public = serialization.load_pem_public_key(checkpoint.public_key_pem.encode("ascii"))
        if not isinstance(public, Ed25519PublicKey):
            return False
        public.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_message())
    except (ValueError, UnicodeEncodeError, InvalidSignature):
        return False
    return True


def _pem_der(pem: str) -> bytes | None:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def make_checkpoint(session: Session, keyring: Keyring, at: datetime) -> Checkpoint:
    """Sign the journal's current head (seq 0 and the genesis hash when it is empty).

    It signs whatever is there: run verify() first if the chain has not been checked.
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime: checkpoint times must be aware")
    seq, head = _last_entry(session)
    unsigned = Checkpoint(seq, head, at.astimezone(UTC), "", keyring.public_key_pem())
    signature = keyring.signing_key.sign(unsigned.signed_message()).hex()
    return Checkpoint(seq, head, unsigned.at, signature, unsigned.public_key_pem)


def export_checkpoint(session: Session, keyring: Keyring, directory: Path, at: datetime) -> Path:
    checkpoint = make_checkpoint(session, keyring, at)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"checkpoint-{checkpoint.seq}.json"
    checkpoint.to_file(path)
    return path


# --- verifying ------------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    entries_checked: int
    first_bad_seq: int | None
    message: str
    # a rewrite found by checkpoints: (first entry that may be rewritten, entry of the first failing checkpoint)
    rewritten: tuple[int, int] | None = None
    checkpoints_held: int = 0


def _rows(session: Session, batch_size: int) -> Iterator[Any]:
    """All entries in seq order, one keyset page at a time, as plain rows (no identity map growth)."""
    columns = [
        JournalEntry.seq,
        JournalEntry.at,
        JournalEntry.actor,
        JournalEntry.station,
        JournalEntry.kind,
        JournalEntry.payload,
        JournalEntry.prev_hash,
        JournalEntry.hash,
    ]
    after = None
    while True:
        query = sa.select(*columns).order_by(JournalEntry.seq).limit(batch_size)
        if after is not None:
            query = query.where(JournalEntry.seq > after)
        try:
            page = session.execute(query).all()
        except (ValueError, TypeError, OverflowError, sa.exc.DataError):
            # a row whose time cannot be read (edited outside the program): find it, row by row
            page = _rows_one_by_one(session, columns, query.with_only_columns(JournalEntry.seq))
        yield from page
        if len(page) < batch_size:
            return
        after = page[-1].seq


def _rows_one_by_one(session: Session, columns: list[Any], seqs: Any) -> list[Any]:
    """The page's rows; an unreadable one becomes (seq, None, ...), which verify reports as malformed."""
    rows: list[Any] = []
    for seq in session.scalars(seqs).all():
        try:
            rows.append(session.execute(sa.select(*columns).where(JournalEntry.seq == seq)).one())
        except (ValueError, TypeError, OverflowError, sa.exc.DataError):
            rows.append((seq,) + (None,) * (len(columns) - 1))
            return rows  # verify stops at the first bad entry
    return rows


def verify(
    session: Session,
    checkpoint: Checkpoint | None = None,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    trusted_public_key_pem: str | None = None,
    batch_size: int = VERIFY_BATCH,
    progress: Callable[[int, int], None] | None = None,
    progress_every: int = VERIFY_PROGRESS_EVERY,
) -> VerifyResult:
    """Walk the whole chain against every checkpoint given. Stops at the first broken link or altered
    entry and says what is wrong with it. A chain rewritten and re-hashed is self-consistent: only the
    checkpoints tell, and only to their resolution, so the result names the range between the last
    checkpoint that still holds and the first that fails.

    Checkpoints are trusted only under the site's public key (`trusted_public_key_pem`): anyone can sign a
    checkpoint with a key of their own, so without the key a checkpoint proves nothing and verify fails.
    Without a checkpoint, a chain rewritten from some entry onwards, or cut short, looks intact.

    `progress(done, total)`, when given, is called every `progress_every` entries and at the end (total:
    the last entry's seq); an exception it raises (a cancel) ends the walk there.
    """
    checked = 0
    marks = sorted({(c.seq, c.hash, c.signature): c for c in
                    ([checkpoint] if checkpoint is not None else []) + list(checkpoints)}.values(),
                   key=lambda c: c.seq)

    def fail(seq: int | None, zh: str, en: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, f"{zh} / {en}")

    if marks and trusted_public_key_pem is None:
        return fail(None, "没有站点公钥，检查点无法验证（任何人都能自签检查点）",
                    "no trusted public key: a checkpoint proves nothing without the site's public key "
                    "(anyone can sign one with a key of their own)")
    for mark in marks:
        if not verify_signature(mark, trusted_public_key_pem):
            return fail(None, f"检查点 #{mark.seq} 签名无效", f"checkpoint at entry {mark.seq} has an invalid or "
                        "untrusted signature")
        if mark.seq == 0 and mark.hash != GENESIS_HASH:
            return fail(0, "检查点 #0 不是创世哈希", "checkpoint at entry 0 does not hold the genesis hash")

    expected: dict[int, set[str]] = {}  # seq -> the hashes checkpoints signed for it
    for mark in marks:
        expected.setdefault(mark.seq, set()).add(mark.hash)
    held = [mark.seq for mark in marks if mark.seq == 0]  # entries whose checkpoints hold
    failed: list[int] = []

    def rewritten() -> VerifyResult:
        good = max([0] + [seq for seq in held if seq < failed[0]])  # the genesis always holds
        result = fail(
            good + 1,
            f"第 {good + 1}–{failed[0]} 条之间的日志被整体改写：检查点 #{good} 仍成立，检查点 #{failed[0]} 不符",
            f"the journal was rewritten between entries {good + 1} and {failed[0]}: the checkpoint at entry "
            f"{good} still holds, the one at entry {failed[0]} does not",
        )
        result.rewritten, result.checkpoints_held = (good + 1, failed[0]), len(held)
        return result

    total = (session.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0) if progress is not None else 0
    expected_seq, prev_hash = 1, GENESIS_HASH
    for seq, at, actor, station, kind, payload, row_prev_hash, row_hash in _rows(session, batch_size):
        if progress is not None and checked % progress_every == 0:
            progress(checked, total)
        broken = _broken(seq, expected_seq, at, actor, station, kind, payload, row_prev_hash, row_hash, prev_hash)
        if broken is not None:
            return rewritten() if failed else fail(*broken)
        if seq in expected:
            (held if expected[seq] == {row_hash} else failed).append(seq)
        checked += 1
        expected_seq, prev_hash = seq + 1, row_hash

    if progress is not None:
        progress(checked, total)
    if failed:
        return rewritten()
    last_seq = expected_seq - 1
    if marks and last_seq < marks[-1].seq:
        return fail(
            last_seq + 1,
            f"日志在第 {last_seq} 条后被截断（检查点为第 {marks[-1].seq} 条）",
            f"journal truncated: it ends at entry {last_seq} but the checkpoint covers {marks[-1].seq}",
        )
    covered = ""
    if marks:
        covered = f"; checkpoint {marks[-1].seq} matches" if len(held) == 1 else \
            f"; {len(held)} checkpoints match, the last at entry {marks[-1].seq}"
    result = VerifyResult(True, checked, None, f"日志完整，共 {checked} 条 / journal intact: {checked} entries{covered}")
    result.checkpoints_held = len(held)
    return result


def _broken(seq: int, expected_seq: int, at: datetime | None, actor: str, station: str, kind: str, payload: str,
            row_prev_hash: str, row_hash: str, prev_hash: str) -> tuple[int, str, str] | None:
    """What is wrong with one row of the chain, as (entry, Chinese, English); None when it is sound."""
    if seq != expected_seq:
        if seq > expected_seq:
            return (expected_seq, f"第 {expected_seq} 条缺失（被删除？）",
                    f"entry {expected_seq} is missing (deleted?); the next entry is {seq}")
        return seq, f"第 {seq} 条序号错误", f"entry {seq} is out of order"
    if at is None:  # its row could not be read (see _rows_one_by_one)
        return seq, f"第 {seq} 条格式错误（时间无法读取）", f"entry {seq} is malformed: its time cannot be read"
    if row_prev_hash != prev_hash:
        return (seq, f"第 {seq} 条与前一条链接断开（被删除、调换或改写）",
                f"entry {seq} does not link to entry {seq - 1} (deleted, reordered or rewritten)")
    try:
        computed = entry_hash(row_prev_hash, seq, at, actor, station, kind, payload)
    except (TypeError, ValueError, AttributeError, OverflowError):
        computed = None  # a time or payload of the wrong type (a BLOB, a naive or unreadable time)
    if computed is None:
        return (seq, f"第 {seq} 条格式错误（时间或内容无法读取）",
                f"entry {seq} is malformed: its time or payload cannot be read")
    if computed != row_hash:
        return seq, f"第 {seq} 条内容被篡改（哈希不符）", f"entry {seq} was altered: its content does not match its hash"
    return None
