"""SESNSP crime (carpetas) and victims files: the official wide layout (one column a month)
or the tidy long layout, mapped to the project's series through the crime map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring import paths
from scoring.errors import FormatError
from scoring.load.names import StateNames
from scoring.load.parse.common import (
    Parsed,
    after_current_month,
    count_problem,
    header_key,
    number,
    one_per_line,
    rejects_from,
    resolve_states,
    whole_in,
)

MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
             "septiembre", "octubre", "noviembre", "diciembre"]


# The homologated series (one row per state, month and 2015-2025 subtype, the 2026 months
# mapped back by the publisher) have no crime type or modality: they are stored under these.
HOMOLOGATED_TYPE = "(homologated)"
HOMOLOGATED_MODALITY = "(all)"


def _homologated_as_tidy(df: pd.DataFrame, keys: dict) -> pd.DataFrame:
    """year, month, state_code, crime, unit, count -> the tidy layout's columns."""
    if "unit" in keys:
        units = set(df[keys["unit"]].str.strip().str.lower()) - {""}
        if units - {"carpetas"}:
            raise FormatError(f"counts unit(s) {sorted(units - {'carpetas'})}; the homologated series are carpetas")
    return df.assign(**{"crime_type": HOMOLOGATED_TYPE, "subtype": df[keys["crime"]],
                        "modality": HOMOLOGATED_MODALITY})


# The federal-crimes file (fuero federal) is the official wide layout with its own names for
# the crime columns: law -> crime type, concept -> subtype, type -> modality.
FEDERAL_COLUMNS = {"inegi": "Clave_Ent", "ley": "Tipo de delito", "concepto": "Subtipo de delito",
                   "tipo": "Modalidad"}


def _federal_as_wide(df: pd.DataFrame, keys: dict) -> pd.DataFrame:
    missing = [k for k in FEDERAL_COLUMNS if k not in keys]
    if missing or "ano" not in keys or not all(m in keys for m in MONTHS_ES):
        raise FormatError("is not a SESNSP federal-crimes file: expected the columns AÑO, INEGI, ENTIDAD, LEY, "
                          "CONCEPTO, TIPO, ENERO ... DICIEMBRE")
    return df.rename(columns={keys[k]: v for k, v in FEDERAL_COLUMNS.items()})


def parse_sesnsp(df: pd.DataFrame, *, victims: bool, names: StateNames, crime_map: pd.DataFrame, say,
                 homologated: bool = False, federal: bool = False) -> Parsed:
    """Official wide layout (month columns) or the tidy long layout, carpetas or victims; with
    ``homologated``, the tidy subtype series made comparable across the 2026 catalogue."""
    keys = {header_key(c): c for c in df.columns if c != "_line"}
    dataset = "victims" if victims else "homologated" if homologated else "federal" if federal else "carpetas"
    if federal:
        df = _federal_as_wide(df, keys)
        keys = {header_key(c): c for c in df.columns if c != "_line"}
    if homologated:
        if not ({"year", "month", "crime", "count"} <= set(keys) and {"state code", "state name"} & set(keys)):
            raise FormatError("is not a homologated SESNSP series: expected the columns "
                              "year, month, state_code, crime, unit, count")
        df = _homologated_as_tidy(df, keys)
        keys = {header_key(c): c for c in df.columns if c != "_line"}
    if all(m in keys for m in MONTHS_ES) and "ano" in keys:
        long, rejects, read = _sesnsp_wide_to_long(df, keys, victims=victims)
    elif {"year", "month", "crime type", "subtype", "modality"} <= set(keys) and (
        ("victims total" in keys) if victims else ("count" in keys)
    ):
        if not {"state code", "state name"} & set(keys):
            raise FormatError("the tidy layout needs a state_code or state_name column")
        long, rejects, read = _sesnsp_tidy(df, keys, victims=victims)
    else:
        want = "victims_total" if victims else "count"
        raise FormatError(
            "is not a SESNSP " + ("victims" if victims else "crime") + " file: expected the official header "
            "(Año, Clave_Ent, Entidad, ..., Enero ... Diciembre) or the tidy columns "
            f"year, month, state_code, crime_type, subtype, modality, {want}"
        )
    say(f"read {read:,} rows")
    codes, why = resolve_states(long, "state_code" if "state_code" in long else None,
                                 "state_name" if "state_name" in long else None, names)
    bad_state = codes.eq("")
    # name the column the file uses; in the wide layout a line is 12 cells: one reject per line
    state_field = next((keys[k] for k in ("clave ent", "state code", "entidad", "state name") if k in keys),
                       "state_code")
    rejects += one_per_line(rejects_from(long, bad_state, state_field, why))
    long = long.loc[~bad_state].copy()
    long["state_code"] = codes[~bad_state]
    cm = crime_map[["crime_type", "subtype", "modality", "series"]]
    long = long.merge(cm, on=["crime_type", "subtype", "modality"], how="left")
    long["dataset"] = dataset
    # The same cell twice in one file: keep the first, reject the rest.
    key = ["dataset", "state_code", "year", "month", "crime_type", "subtype", "modality"]
    dup = long.duplicated(key, keep="first")
    rejects += one_per_line(rejects_from(long, dup, keys.get("modalidad", keys.get("modality", "modality")),
                                           "repeats a cell already given on an earlier line"))
    long = long.loc[~dup]
    unknown = long.loc[long["series"].isna(), ["crime_type", "subtype", "modality"]].drop_duplicates()
    notes = []
    if len(unknown):
        listed = "; ".join(" / ".join(r) for r in unknown.head(8).itertuples(index=False))
        notes.append(f"{len(unknown)} crime row(s) not in data/reference/sesnsp_crime_map.csv were loaded "
                     f"unmapped (series empty) and will not be scored until mapped: {listed}"
                     + (" ..." if len(unknown) > 8 else ""))
    if dataset == "carpetas":
        homologated, more = _homologated_from_rnid(long, crime_map)
        notes += more
        long = pd.concat([long, homologated], ignore_index=True) if len(homologated) else long
    with_value = long.loc[long["value"].notna()]
    release = None
    if len(with_value):
        y, m = max(zip(with_value["year"], with_value["month"]))
        release = f"{int(y):04d}-{int(m):02d}"
    cols = key[1:] + ["dataset", "series", "value"] + (["value_male", "value_female"] if victims else [])
    return Parsed("official_stats", long[cols].reset_index(drop=True), rejects, read, release, notes)


def read_rnid_map() -> pd.DataFrame:
    """SESNSP's comparability rules: each 2026 (RNID) subtype and the 2015-2025 subtype it counts in."""
    return pd.read_csv(paths.REFERENCE / "rnid_to_homologated.csv", dtype=str, keep_default_na=False)


def _homologated_from_rnid(long: pd.DataFrame, crime_map: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """For a file in the 2026 catalogue (RNID), the same cells summed onto the 2015-2025 subtypes
    under SESNSP's comparability rules, as rows of the ``homologated`` dataset: the series the
    indicators read run on from the file's months. Cells of other catalogues give nothing."""
    rules = read_rnid_map()
    # subtypes that exist only in the 2026 catalogue mark a file as RNID
    rnid_only = set(rules.loc[rules["rnid_subtype"] != rules["subtype_2015"], "rnid_subtype"])
    if not long["subtype"].isin(rnid_only).any():
        return long.iloc[0:0], []
    mapped = long.merge(rules[["rnid_subtype", "subtype_2015"]], left_on="subtype", right_on="rnid_subtype",
                        how="left")
    unknown = sorted(set(mapped.loc[mapped["subtype_2015"].isna(), "subtype"]))
    mapped = mapped[mapped["subtype_2015"].notna()]
    g = mapped.groupby(["state_code", "year", "month", "subtype_2015"], sort=False)
    out = g["value"].sum(min_count=1).reset_index().rename(columns={"subtype_2015": "subtype"})
    out["_line"] = g["_line"].min().to_numpy()
    out = out[out["value"].notna()]          # a month the file leaves empty is not published yet
    out["crime_type"], out["modality"], out["dataset"] = HOMOLOGATED_TYPE, HOMOLOGATED_MODALITY, "homologated"
    cm = crime_map[crime_map["crime_type"] == HOMOLOGATED_TYPE][["subtype", "series"]]
    out = out.merge(cm, on="subtype", how="inner")      # only the subtypes a series of ours reads
    notes = [f"2026 catalogue (RNID): {len(out):,} cells also written to the homologated series under SESNSP's "
             "comparability rules (data/reference/rnid_to_homologated.csv)"]
    if unknown:
        notes.append(f"{len(unknown)} RNID subtype(s) have no comparability rule and stay out of the homologated "
                     f"series: {'; '.join(unknown[:8])}" + (" ..." if len(unknown) > 8 else ""))
    return out, notes


def _sesnsp_wide_to_long(df, keys, *, victims):
    read = len(df)
    base = pd.DataFrame({
        "_line": df["_line"],
        "year_raw": df[keys["ano"]],
        "state_code": df[keys["clave ent"]] if "clave ent" in keys else "",
        "state_name": df[keys["entidad"]] if "entidad" in keys else "",
        "crime_type": df[keys["tipo de delito"]] if "tipo de delito" in keys else "",
        "subtype": df[keys["subtipo de delito"]] if "subtipo de delito" in keys else "",
        "modality": df[keys["modalidad"]] if "modalidad" in keys else "",
    })
    missing_cols = [c for c in ("tipo de delito", "subtipo de delito", "modalidad") if c not in keys]
    if missing_cols:
        raise FormatError(f"the official layout needs the columns {missing_cols}")
    if "clave ent" not in keys and "entidad" not in keys:
        raise FormatError("the official layout needs a Clave_Ent or Entidad column")
    if victims:
        if "sexo" not in keys:
            raise FormatError("the official victims layout needs a 'Sexo' column")
        base["sex"] = df[keys["sexo"]].map(header_key)
    year = whole_in(base["year_raw"], 1997, 2100)
    bad_year = year.isna()
    rejects = rejects_from(base, bad_year, "Año", "year " + base["year_raw"].map(repr) + " is not a year")
    future_year = ~bad_year & after_current_month(year, pd.Series(1, index=year.index))
    rejects += rejects_from(base, future_year, "Año", "year " + base["year_raw"].map(repr) + " is in the future")
    base = base.loc[~(bad_year | future_year)].copy()
    base["year"] = year[base.index].astype("int64")
    months = []
    for i, m in enumerate(MONTHS_ES, start=1):
        raw = df.loc[base.index, keys[m]]
        val = number(raw)
        part = base.copy()
        part["month"] = i
        part["value"] = val
        # a month after the current one: a figure there is refused, a blank is not a cell yet
        future = after_current_month(part["year"], part["month"])
        if future.any():
            rejects += rejects_from(part.assign(_raw=raw), future & raw.ne(""), m.capitalize(),
                                     f"{m.capitalize()} " + part["year"].astype(str) + " is after the current month: "
                                     "not published yet")
            part, raw, val = part.loc[~future], raw.loc[~future], val.loc[~future]
        why = count_problem(raw, val)
        bad = why.ne("")
        part["_bad"] = bad
        if bad.any():
            rejects += rejects_from(part.assign(_raw=raw), bad, m.capitalize(), why)
            part.loc[bad, "value"] = np.nan
            if not victims:
                part = part.loc[~bad]
        months.append(part)
    long = pd.concat(months, ignore_index=True)
    if victims:
        # Sum over age ranges per sex; total over the three sex groups. A cell one of whose
        # age/sex rows was rejected is not written at all: its sum would be silently short.
        g = ["year", "month", "state_code", "state_name", "crime_type", "subtype", "modality"]
        long["value_male"] = long["value"].where(long["sex"].eq("hombre"))
        long["value_female"] = long["value"].where(long["sex"].eq("mujer"))
        gb = long.groupby(g, sort=False, dropna=False)
        agg = gb[["value", "value_male", "value_female"]].sum(min_count=1)
        agg["_line"] = gb["_line"].min()
        agg["_bad"] = gb["_bad"].max()
        long = agg.reset_index()
        long = long.loc[~long["_bad"].astype(bool)]
    return long.drop(columns="_bad"), rejects, read


def _sesnsp_tidy(df, keys, *, victims):
    read = len(df)
    long = pd.DataFrame({
        "_line": df["_line"],
        "state_code": df[keys["state code"]] if "state code" in keys else "",
        "state_name": df[keys["state name"]] if "state name" in keys else "",
        "crime_type": df[keys["crime type"]], "subtype": df[keys["subtype"]], "modality": df[keys["modality"]],
    })
    year = whole_in(df[keys["year"]], 1997, 2100)
    month = whole_in(df[keys["month"]], 1, 12)
    vcol = keys["victims total"] if victims else keys["count"]
    val = number(df[vcol])
    rejects = []
    bad_y = year.isna()
    rejects += rejects_from(long, bad_y, "year", "year " + df[keys["year"]].map(repr) + " is not a year")
    bad_m = ~bad_y & month.isna()
    rejects += rejects_from(long, bad_m, "month", "month " + df[keys["month"]].map(repr) + " is not 1-12")
    future = ~bad_y & ~bad_m & after_current_month(year, month)
    rejects += rejects_from(long, future, "month", df[keys["year"]] + "-" + df[keys["month"]]
                            + " is after the current month: not published yet")
    bad_m = bad_m | future
    why = count_problem(df[vcol], val)
    bad_v = ~bad_y & ~bad_m & why.ne("")
    rejects += rejects_from(long, bad_v, vcol, why)
    if victims:   # the parts by sex are counts too
        for part in ("victims male", "victims female"):
            if part in keys:
                why_p = count_problem(df[keys[part]], number(df[keys[part]]))
                bad_p = ~bad_y & ~bad_m & ~bad_v & why_p.ne("")
                rejects += rejects_from(long, bad_p, keys[part], why_p)
                bad_v = bad_v | bad_p
    ok = ~(bad_y | bad_m | bad_v)
    long = long.loc[ok].copy()
    long["year"] = year[ok].astype("int64")
    long["month"] = month[ok].astype("int64")
    long["value"] = val[ok]
    if victims:
        long["value_male"] = number(df.loc[ok, keys["victims male"]]) if "victims male" in keys else np.nan
        long["value_female"] = number(df.loc[ok, keys["victims female"]]) if "victims female" in keys else np.nan
    if "state code" not in keys:
        long = long.drop(columns="state_code")
    if "state name" not in keys:
        long = long.drop(columns="state_name")
    return long, rejects, read
