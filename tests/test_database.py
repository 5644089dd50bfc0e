"""Database inputs on a real throwaway PostgreSQL server: a run from the database equals the run from the files.

The server (`throwaway_postgres`) is Debian's ``postgresql`` package, started for this module and
deleted at the end; where the server binaries are absent the tests skip and say why.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from throwaway_postgres import Server, Unavailable, throwaway_server

from segkit import InputError
from segkit.intake import DatabaseSource, load_customers, load_transactions, redact_url
from segkit.pipeline.config import InputFile, load_config
from segkit.pipeline.prepare import prepare
from segkit.pipeline.run import run

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Server]:
    try:
        with throwaway_server() as server:
            _load_demo(server.url)
            yield server
    except Unavailable as why:
        pytest.skip(str(why))


def _load_demo(url: str) -> None:
    """The demo tables as a shop database would hold them: typed columns, NUMERIC prices, a view."""
    from adbc_driver_postgresql import dbapi

    lines = pd.read_csv(DEMO / "transactions.csv", dtype=str, keep_default_na=False)
    orders = pa.table(
        {
            "invoice_id": pa.array(lines["invoice_id"], pa.string()),
            "product_id": pa.array(lines["product_id"], pa.string()),
            "category": pa.array(lines["category"], pa.string()),
            "description": pa.array(lines["description"], pa.string()),
            "quantity": pa.array(lines["quantity"].astype("int64"), pa.int64()),
            "unit_price": pa.array(lines["unit_price"], pa.string()),  # cast to NUMERIC(12, 2) below
            "unit_cost": pa.array(lines["unit_cost"], pa.string()),
            "invoice_date": pa.array(pd.to_datetime(lines["invoice_date"], format="%Y-%m-%d %H:%M:%S"), pa.timestamp("us")),
            "customer_id": pa.array(lines["customer_id"].replace("", None), pa.string()),
            "row_no": pa.array(range(len(lines)), pa.int64()),
        }
    )
    customers = pa.Table.from_pandas(pd.read_csv(DEMO / "customers.csv", dtype=str, keep_default_na=False), preserve_index=False)
    with dbapi.connect(url) as conn:
        with conn.cursor() as cur:
            cur.adbc_ingest("orders_raw", orders, mode="create")
            cur.adbc_ingest("customers_raw", customers, mode="create")
            cur.execute(
                "CREATE TABLE orders AS SELECT invoice_id, product_id, category, description, quantity, "
                "NULLIF(unit_price, '')::numeric(12, 2) AS unit_price, NULLIF(unit_cost, '')::numeric(12, 2) AS unit_cost, invoice_date, customer_id, row_no "
                "FROM orders_raw ORDER BY row_no"
            )
            cur.execute("CREATE SCHEMA crm")
            cur.execute("CREATE TABLE crm.customers AS SELECT * FROM customers_raw")
            cur.execute("ALTER DATABASE shop SET timezone TO 'Asia/Shanghai'")  # the shop's own clock
            cur.execute(
                "CREATE TABLE typed (cid text, inv bigint, day date, paid timestamptz, qty integer, price numeric(10, 2))"
            )
            cur.execute(
                "INSERT INTO typed VALUES ('007', 1, '2024-01-02', '2024-01-02 16:30:00+00', 2, 10.50), "
                "('007', 2, '2024-02-03', '2024-02-03 09:00:00+08', 1, 0.10), ('12', 3, '2024-02-04', NULL, 3, 1234567.89)"
            )
            cur.execute('CREATE TABLE "客户" ("客户编号" text, "省份" text, "行业" text, "手机号" text)')
            cur.execute("INSERT INTO \"客户\" VALUES ('000123', '广东省', '制造业', '13800138000')")
        conn.commit()


def test_a_table_reads_like_the_file(postgres):
    from_file = load_transactions(DEMO / "transactions.csv", preset="demo")
    from_db = load_transactions(DatabaseSource(postgres.url, table="orders"), preset="demo")
    pd.testing.assert_frame_equal(from_db, from_file)


def test_a_query_and_a_schema_qualified_table(postgres):
    query = "SELECT * FROM orders WHERE invoice_date < '2024-02-01' ORDER BY row_no"
    january = load_transactions(DatabaseSource(postgres.url, query=query), preset="demo")
    from_file = load_transactions(DEMO / "transactions.csv", preset="demo")
    expected = from_file.loc[from_file["order_date"] < "2024-02-01"].reset_index(drop=True)
    assert len(expected) > 100
    pd.testing.assert_frame_equal(january, expected)
    customers = load_customers(DatabaseSource(postgres.url, table="crm.customers"))
    pd.testing.assert_frame_equal(customers, load_customers(DEMO / "customers.csv"))


def test_numeric_dates_and_time_zones_arrive_typed(postgres):
    mapping = {"customer_id": "cid", "order_id": "inv", "order_date": "day", "quantity": "qty", "unit_price": "price"}
    frame = load_transactions(DatabaseSource(postgres.url, table="typed"), mapping=mapping)
    assert frame["unit_price"].tolist() == [10.5, 0.1, 1234567.89]  # NUMERIC as the nearest double, not text
    assert frame["amount"].tolist() == [21.0, 0.1, 3 * 1234567.89]
    assert frame["order_date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-01-02 00:00",
        "2024-02-03 00:00",
        "2024-02-04 00:00",
    ]
    assert frame["customer_id"].tolist() == ["007", "007", "12"] and frame["order_id"].tolist() == ["1", "2", "3"]
    paid = load_transactions(
        DatabaseSource(postgres.url, query="SELECT * FROM typed WHERE paid IS NOT NULL ORDER BY inv"),
        mapping={**mapping, "order_date": "paid"},
    )
    # timestamptz in the database's time zone (Asia/Shanghai): 16:30 UTC is 00:30 the next day there
    assert paid["order_date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2024-01-03 00:30", "2024-02-03 09:00"]


def test_chinese_headers_map_from_a_table(postgres):
    frame = load_customers(DatabaseSource(postgres.url, table="客户"))
    assert list(frame.columns) == ["customer_id", "province", "industry", "phone"]
    assert frame.loc[0, "customer_id"] == "000123" and frame.loc[0, "province"] == "广东省"


def test_only_the_mapped_columns_are_selected(postgres, monkeypatch):
    from segkit.intake import database

    asked: list[str] = []
    real = database._fetch
    monkeypatch.setattr(database, "_fetch", lambda source, sql: asked.append(sql) or real(source, sql))
    load_transactions(DatabaseSource(postgres.url, table="orders"), preset="demo")
    assert asked[0] == 'SELECT * FROM "orders" LIMIT 0'  # the header only
    selected = asked[1].removeprefix("SELECT ").split(" FROM ")[0]
    assert "row_no" not in selected and '"invoice_date"' in selected and '"customer_id"' in selected


def test_the_password_never_appears_in_messages(postgres, monkeypatch):
    with pytest.raises(InputError, match="holds a password") as error:
        DatabaseSource(f"postgresql://segkit:{postgres.password}@127.0.0.1:{postgres.port}/shop", table="orders")
    assert postgres.password not in str(error.value)
    with pytest.raises(InputError, match="holds a password") as error:
        DatabaseSource(f"postgresql://segkit@127.0.0.1:{postgres.port}/shop?password={postgres.password}", table="orders")
    assert postgres.password not in str(error.value)
    monkeypatch.setenv("PGPASSWORD", "wrong-" + postgres.password)
    with pytest.raises(InputError, match="cannot connect") as error:
        load_transactions(DatabaseSource(postgres.url, table="orders"), preset="demo")
    assert postgres.password not in str(error.value) and "127.0.0.1" in str(error.value)
    assert redact_url("postgresql://u:secret@h:5/db?sslmode=require&password=x") == "postgresql://u@h:5/db?sslmode=require"


def test_pgpass_file_is_honoured(postgres, monkeypatch, tmp_path):
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{postgres.port}:shop:segkit:{postgres.password}\n")
    passfile.chmod(0o600)
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    frame = load_transactions(DatabaseSource(postgres.url, query="SELECT * FROM orders ORDER BY row_no LIMIT 5"), preset="demo")
    assert len(frame) == 5


def test_missing_table_and_column_errors_name_them(postgres):
    with pytest.raises(InputError, match=r"\(table nosuch\).*refused.*nosuch"):
        load_transactions(DatabaseSource(postgres.url, table="nosuch"), preset="demo")
    with pytest.raises(InputError, match=r"missing required column.*invoice_date"):
        load_transactions(DatabaseSource(postgres.url, query="SELECT customer_id, invoice_id FROM orders"), preset="demo")


def _config(tmp_path: Path, url: str, *, notebooks: str = "[01-data-quality]") -> Path:
    text = f"""\
        run_id: from-db
        notebooks_dir: {ROOT / "notebooks"}
        reports_dir: {tmp_path / "reports"}
        processed_dir: {tmp_path / "processed"}
        inputs:
          transactions: {{url: "{url}", table: orders, preset: demo}}
          customers: {{url: "{url}", table: crm.customers}}
        notebooks: {notebooks}
        """
    path = tmp_path / "db.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_config_checks_database_inputs(tmp_path):
    bad = {
        "table: orders, preset: demo, path: x.csv": "unknown key",
        "preset: demo": "exactly one of 'table'",
        "table: orders, query: 'SELECT 1', preset: demo": "exactly one of 'table'",
    }
    for extra, message in bad.items():
        path = tmp_path / "c.yaml"
        path.write_text(f"run_id: x\ninputs:\n  transactions: {{url: 'postgresql://u@h/db', {extra}}}\n", encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_config(path)
    path.write_text("run_id: x\ninputs:\n  survey: {url: 'postgresql://u@h/db', table: s}\n", encoding="utf-8")
    with pytest.raises(InputError, match="only transactions and customers can be read from a database"):
        load_config(path)
    path.write_text("run_id: x\ninputs:\n  transactions: {url: 'mysql://u@h/db', table: s, preset: demo}\n", encoding="utf-8")
    with pytest.raises(InputError, match="only PostgreSQL"):
        load_config(path)
    path.write_text("run_id: x\ninputs:\n  transactions: {url: 'postgresql://u:pw1234@h/db', table: s, preset: demo}\n")
    with pytest.raises(InputError, match="holds a password") as error:
        load_config(path)
    assert "pw1234" not in str(error.value)


def test_prepare_from_the_database_equals_prepare_from_files(postgres, tmp_path):
    config = load_config(_config(tmp_path, postgres.url))
    from_db = prepare(config.inputs, tmp_path / "db" / "prepared", engine="pandas")
    files = {
        "transactions": InputFile(path=DEMO / "transactions.csv", preset="demo"),
        "customers": InputFile(path=DEMO / "customers.csv"),
    }
    from_files = prepare(files, tmp_path / "files" / "prepared", engine="pandas")
    assert not from_db.errors and not from_files.errors
    pd.testing.assert_frame_equal(from_db.customer_table, from_files.customer_table)
    pd.testing.assert_frame_equal(from_db.customers, from_files.customers)  # scores, every map, the stage
    pd.testing.assert_frame_equal(from_db.optional("attributes"), from_files.optional("attributes"))
    assert from_db.meta["privacy"] == from_files.meta["privacy"]  # names, phones and e-mails dropped alike
    assert from_db.audit.kept_rows == from_files.audit.kept_rows
    assert from_db.meta["inputs"]["transactions"] == {
        "path": f"{postgres.url} (table orders)",
        "url": postgres.url,
        "table": "orders",
    }


@pytest.mark.slow
def test_a_run_from_the_database_publishes_the_same_export_and_no_password(postgres, tmp_path):
    config = _config(tmp_path, postgres.url)
    with open(tmp_path / "run.log", "w") as log:
        assert run(config, out=log) == 0, (tmp_path / "run.log").read_text()
    folder = tmp_path / "reports" / "from-db"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["inputs"]["transactions"] == {"url": postgres.url, "table": "orders"}
    for produced in [*folder.rglob("*.html"), *folder.rglob("*.json"), *folder.rglob("*.ipynb"), folder / "run.log"]:
        assert postgres.password not in produced.read_text(encoding="utf-8"), produced.name
    page = (folder / "01-data-quality.html").read_text(encoding="utf-8")
    assert "(table orders)" in page  # the provenance names the source
    export = pd.read_parquet(tmp_path / "processed" / "from-db" / "customer_segments.parquet")
    files = {
        "transactions": InputFile(path=DEMO / "transactions.csv", preset="demo"),
        "customers": InputFile(path=DEMO / "customers.csv"),
    }
    expected = prepare(files, tmp_path / "files" / "prepared", engine="pandas")
    labelled = export.dropna(subset=["rfm10"]).set_index("customer_id")
    reference = expected.customers.dropna(subset=["rfm10"]).set_index("customer_id")
    assert len(labelled) == len(reference) > 4000
    pd.testing.assert_series_equal(labelled["rfm10"], reference.loc[labelled.index, "rfm10"], check_names=False)
    pd.testing.assert_series_equal(labelled["eight_class"], reference.loc[labelled.index, "eight_class"], check_names=False)
