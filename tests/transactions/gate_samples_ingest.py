"""Gate matrix samples of the ingest URLs: an ingested journal with one rejected row (so it has a row report)."""


def build(ctx) -> None:
    import tempfile
    from pathlib import Path

    from transactions.services.ingest import ingest_path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gate.csv"
        path.write_text("terminal_id,merchant_id,local_time,type,channel,pan,amount,currency,stan,rrn,auth_code,"
                        "response_code,batch\nT0000001,898290000000001,2026-11-29T10:00:00,sale,chip,,1.00,CNY,12,"
                        "000000000001,,00,1\n")
        ctx["ingest_file"] = ingest_path(kind="journal-csv", path=path, actor=ctx["users"]["operations_manager"])


def samples(ctx) -> dict:
    pk = {"pk": ctx["ingest_file"].pk}
    return {name: pk for name in ("ops:ingest-detail", "ops:ingest-report", "audit:ingest-detail",
                                  "audit:ingest-report")}
