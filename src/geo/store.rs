//! Storage of the reference geography. The only file of this capability with SQL.

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};

use crate::core::db::{Db, DbError, Tx};

#[derive(Iden)]
enum ReferenceDataset {
    Table,
    Name,
    Version,
    LoadedAt,
}

#[derive(Iden)]
enum GeoAdminUnit {
    Table,
    Code,
    Level,
    Region,
    ParentCode,
    NameNl,
    NameFr,
    NameDe,
}

#[derive(Iden)]
enum GeoMunicipality {
    Table,
    Nis,
    NameNl,
    NameFr,
    NameDe,
    ArrondissementNis,
    ProvinceNis,
    Region,
    LanguageArea,
    LanguageFacilities,
    Population,
    PopulationDate,
    CentroidLat,
    CentroidLon,
    LabelLat,
    LabelLon,
    AreaKm2,
    ValidFrom,
    ValidTo,
}

#[derive(Iden)]
enum GeoMerger {
    Table,
    FormerNis,
    SuccessorNis,
    EffectiveDate,
}

#[derive(Iden)]
enum GeoPoliceZone {
    Table,
    ZoneKey,
    ZoneCode,
    Name,
    Region,
    CodeVerified,
    ValidFrom,
    ValidTo,
    FormedFrom,
}

#[derive(Iden)]
enum GeoPoliceZoneMember {
    Table,
    ZoneKey,
    Nis,
    ValidFrom,
    ValidTo,
}

#[derive(Iden)]
enum GeoBoundary {
    Table,
    Nis,
    Geometry,
    ImportedAt,
}

pub(super) const GEOGRAPHY_DATASET: &str = "geography";

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct AdminUnitRow {
    pub code: String,
    pub level: String,
    pub region: String,
    pub parent_code: Option<String>,
    pub name_nl: String,
    pub name_fr: String,
    pub name_de: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct MunicipalityRow {
    pub nis: String,
    pub name_nl: String,
    pub name_fr: String,
    pub name_de: String,
    pub arrondissement_nis: String,
    pub province_nis: Option<String>,
    pub region: String,
    pub language_area: String,
    pub language_facilities: Option<String>,
    pub population: i64,
    pub population_date: NaiveDate,
    pub centroid_lat: f64,
    pub centroid_lon: f64,
    pub label_lat: f64,
    pub label_lon: f64,
    pub area_km2: f64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct MergerRow {
    pub former_nis: String,
    pub successor_nis: String,
    pub effective_date: NaiveDate,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct PoliceZoneRow {
    pub zone_key: String,
    pub zone_code: Option<String>,
    pub name: String,
    pub region: String,
    pub code_verified: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub formed_from: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct MembershipRow {
    pub zone_key: String,
    pub nis: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct BoundaryRow {
    pub nis: String,
    pub geometry: String,
}

const BATCH: usize = 100;

pub(super) async fn dataset_version(db: &Db, name: &str) -> Result<Option<String>, DbError> {
    #[derive(sqlx::FromRow)]
    struct VersionRow {
        version: String,
    }
    let query = Query::select()
        .column(ReferenceDataset::Version)
        .from(ReferenceDataset::Table)
        .and_where(Expr::col(ReferenceDataset::Name).eq(name))
        .to_owned();
    Ok(db
        .fetch_optional::<VersionRow>(&query)
        .await?
        .map(|r| r.version))
}

pub(super) async fn set_dataset_version(
    tx: &mut Tx,
    name: &str,
    version: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    let statement = Query::insert()
        .into_table(ReferenceDataset::Table)
        .columns([
            ReferenceDataset::Name,
            ReferenceDataset::Version,
            ReferenceDataset::LoadedAt,
        ])
        .values_panic([name.into(), version.into(), now.into()])
        .on_conflict(
            OnConflict::column(ReferenceDataset::Name)
                .update_columns([ReferenceDataset::Version, ReferenceDataset::LoadedAt])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&statement).await.map(|_| ())
}

pub(super) async fn upsert_admin_units(tx: &mut Tx, rows: &[AdminUnitRow]) -> Result<(), DbError> {
    for chunk in rows.chunks(BATCH) {
        let mut statement = Query::insert();
        statement.into_table(GeoAdminUnit::Table).columns([
            GeoAdminUnit::Code,
            GeoAdminUnit::Level,
            GeoAdminUnit::Region,
            GeoAdminUnit::ParentCode,
            GeoAdminUnit::NameNl,
            GeoAdminUnit::NameFr,
            GeoAdminUnit::NameDe,
        ]);
        for row in chunk {
            statement.values_panic([
                row.code.clone().into(),
                row.level.clone().into(),
                row.region.clone().into(),
                row.parent_code.clone().into(),
                row.name_nl.clone().into(),
                row.name_fr.clone().into(),
                row.name_de.clone().into(),
            ]);
        }
        statement.on_conflict(
            OnConflict::column(GeoAdminUnit::Code)
                .update_columns([
                    GeoAdminUnit::Level,
                    GeoAdminUnit::Region,
                    GeoAdminUnit::ParentCode,
                    GeoAdminUnit::NameNl,
                    GeoAdminUnit::NameFr,
                    GeoAdminUnit::NameDe,
                ])
                .to_owned(),
        );
        tx.execute(&statement).await?;
    }
    Ok(())
}

pub(super) async fn upsert_municipalities(
    tx: &mut Tx,
    rows: &[MunicipalityRow],
) -> Result<(), DbError> {
    for chunk in rows.chunks(BATCH) {
        let mut statement = Query::insert();
        statement.into_table(GeoMunicipality::Table).columns([
            GeoMunicipality::Nis,
            GeoMunicipality::NameNl,
            GeoMunicipality::NameFr,
            GeoMunicipality::NameDe,
            GeoMunicipality::ArrondissementNis,
            GeoMunicipality::ProvinceNis,
            GeoMunicipality::Region,
            GeoMunicipality::LanguageArea,
            GeoMunicipality::LanguageFacilities,
            GeoMunicipality::Population,
            GeoMunicipality::PopulationDate,
            GeoMunicipality::CentroidLat,
            GeoMunicipality::CentroidLon,
            GeoMunicipality::LabelLat,
            GeoMunicipality::LabelLon,
            GeoMunicipality::AreaKm2,
            GeoMunicipality::ValidFrom,
            GeoMunicipality::ValidTo,
        ]);
        for row in chunk {
            statement.values_panic([
                row.nis.clone().into(),
                row.name_nl.clone().into(),
                row.name_fr.clone().into(),
                row.name_de.clone().into(),
                row.arrondissement_nis.clone().into(),
                row.province_nis.clone().into(),
                row.region.clone().into(),
                row.language_area.clone().into(),
                row.language_facilities.clone().into(),
                row.population.into(),
                row.population_date.into(),
                row.centroid_lat.into(),
                row.centroid_lon.into(),
                row.label_lat.into(),
                row.label_lon.into(),
                row.area_km2.into(),
                row.valid_from.into(),
                row.valid_to.into(),
            ]);
        }
        statement.on_conflict(
            OnConflict::column(GeoMunicipality::Nis)
                .update_columns([
                    GeoMunicipality::NameNl,
                    GeoMunicipality::NameFr,
                    GeoMunicipality::NameDe,
                    GeoMunicipality::ArrondissementNis,
                    GeoMunicipality::ProvinceNis,
                    GeoMunicipality::Region,
                    GeoMunicipality::LanguageArea,
                    GeoMunicipality::LanguageFacilities,
                    GeoMunicipality::Population,
                    GeoMunicipality::PopulationDate,
                    GeoMunicipality::CentroidLat,
                    GeoMunicipality::CentroidLon,
                    GeoMunicipality::LabelLat,
                    GeoMunicipality::LabelLon,
                    GeoMunicipality::AreaKm2,
                    GeoMunicipality::ValidFrom,
                    GeoMunicipality::ValidTo,
                ])
                .to_owned(),
        );
        tx.execute(&statement).await?;
    }
    Ok(())
}

/// Mergers, zones and memberships are replaced as a whole: nothing outside this capability
/// references their rows.
pub(super) async fn replace_mergers(tx: &mut Tx, rows: &[MergerRow]) -> Result<(), DbError> {
    tx.execute(&Query::delete().from_table(GeoMerger::Table).to_owned())
        .await?;
    for chunk in rows.chunks(BATCH) {
        let mut statement = Query::insert();
        statement.into_table(GeoMerger::Table).columns([
            GeoMerger::FormerNis,
            GeoMerger::SuccessorNis,
            GeoMerger::EffectiveDate,
        ]);
        for row in chunk {
            statement.values_panic([
                row.former_nis.clone().into(),
                row.successor_nis.clone().into(),
                row.effective_date.into(),
            ]);
        }
        tx.execute(&statement).await?;
    }
    Ok(())
}

pub(super) async fn replace_police_zones(
    tx: &mut Tx,
    zones: &[PoliceZoneRow],
    members: &[MembershipRow],
) -> Result<(), DbError> {
    tx.execute(
        &Query::delete()
            .from_table(GeoPoliceZoneMember::Table)
            .to_owned(),
    )
    .await?;
    tx.execute(&Query::delete().from_table(GeoPoliceZone::Table).to_owned())
        .await?;
    for chunk in zones.chunks(BATCH) {
        let mut statement = Query::insert();
        statement.into_table(GeoPoliceZone::Table).columns([
            GeoPoliceZone::ZoneKey,
            GeoPoliceZone::ZoneCode,
            GeoPoliceZone::Name,
            GeoPoliceZone::Region,
            GeoPoliceZone::CodeVerified,
            GeoPoliceZone::ValidFrom,
            GeoPoliceZone::ValidTo,
            GeoPoliceZone::FormedFrom,
        ]);
        for row in chunk {
            statement.values_panic([
                row.zone_key.clone().into(),
                row.zone_code.clone().into(),
                row.name.clone().into(),
                row.region.clone().into(),
                row.code_verified.into(),
                row.valid_from.into(),
                row.valid_to.into(),
                row.formed_from.clone().into(),
            ]);
        }
        tx.execute(&statement).await?;
    }
    for chunk in members.chunks(BATCH) {
        let mut statement = Query::insert();
        statement.into_table(GeoPoliceZoneMember::Table).columns([
            GeoPoliceZoneMember::ZoneKey,
            GeoPoliceZoneMember::Nis,
            GeoPoliceZoneMember::ValidFrom,
            GeoPoliceZoneMember::ValidTo,
        ]);
        for row in chunk {
            statement.values_panic([
                row.zone_key.clone().into(),
                row.nis.clone().into(),
                row.valid_from.into(),
                row.valid_to.into(),
            ]);
        }
        tx.execute(&statement).await?;
    }
    Ok(())
}

pub(super) async fn upsert_boundaries(
    tx: &mut Tx,
    rows: &[BoundaryRow],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    for chunk in rows.chunks(BATCH) {
        let mut statement = Query::insert();
        statement.into_table(GeoBoundary::Table).columns([
            GeoBoundary::Nis,
            GeoBoundary::Geometry,
            GeoBoundary::ImportedAt,
        ]);
        for row in chunk {
            statement.values_panic([
                row.nis.clone().into(),
                row.geometry.clone().into(),
                now.into(),
            ]);
        }
        statement.on_conflict(
            OnConflict::column(GeoBoundary::Nis)
                .update_columns([GeoBoundary::Geometry, GeoBoundary::ImportedAt])
                .to_owned(),
        );
        tx.execute(&statement).await?;
    }
    Ok(())
}

pub(super) async fn count_boundaries(db: &Db) -> Result<i64, DbError> {
    #[derive(sqlx::FromRow)]
    struct CountRow {
        count: i64,
    }
    let query = Query::select()
        .expr_as(Expr::col(GeoBoundary::Nis).count(), "count")
        .from(GeoBoundary::Table)
        .to_owned();
    Ok(db
        .fetch_optional::<CountRow>(&query)
        .await?
        .map(|r| r.count)
        .unwrap_or(0))
}

pub(super) async fn load_admin_units(db: &Db) -> Result<Vec<AdminUnitRow>, DbError> {
    let query = Query::select()
        .columns([
            GeoAdminUnit::Code,
            GeoAdminUnit::Level,
            GeoAdminUnit::Region,
            GeoAdminUnit::ParentCode,
            GeoAdminUnit::NameNl,
            GeoAdminUnit::NameFr,
            GeoAdminUnit::NameDe,
        ])
        .from(GeoAdminUnit::Table)
        .order_by(GeoAdminUnit::Code, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn load_municipalities(db: &Db) -> Result<Vec<MunicipalityRow>, DbError> {
    let query = Query::select()
        .columns([
            GeoMunicipality::Nis,
            GeoMunicipality::NameNl,
            GeoMunicipality::NameFr,
            GeoMunicipality::NameDe,
            GeoMunicipality::ArrondissementNis,
            GeoMunicipality::ProvinceNis,
            GeoMunicipality::Region,
            GeoMunicipality::LanguageArea,
            GeoMunicipality::LanguageFacilities,
            GeoMunicipality::Population,
            GeoMunicipality::PopulationDate,
            GeoMunicipality::CentroidLat,
            GeoMunicipality::CentroidLon,
            GeoMunicipality::LabelLat,
            GeoMunicipality::LabelLon,
            GeoMunicipality::AreaKm2,
            GeoMunicipality::ValidFrom,
            GeoMunicipality::ValidTo,
        ])
        .from(GeoMunicipality::Table)
        .order_by(GeoMunicipality::Nis, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

/// Municipalities valid on `date`, straight from the database (the read model answers the
/// same question in memory; a test keeps both in agreement on both backends).
pub(super) async fn municipality_codes_on(
    db: &Db,
    date: NaiveDate,
) -> Result<Vec<String>, DbError> {
    #[derive(sqlx::FromRow)]
    struct CodeRow {
        nis: String,
    }
    let query = Query::select()
        .column(GeoMunicipality::Nis)
        .from(GeoMunicipality::Table)
        .and_where(Expr::col(GeoMunicipality::ValidFrom).lte(date))
        .and_where(
            Expr::col(GeoMunicipality::ValidTo)
                .is_null()
                .or(Expr::col(GeoMunicipality::ValidTo).gte(date)),
        )
        .order_by(GeoMunicipality::Nis, Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<CodeRow>(&query)
        .await?
        .into_iter()
        .map(|r| r.nis)
        .collect())
}

pub(super) async fn load_mergers(db: &Db) -> Result<Vec<MergerRow>, DbError> {
    let query = Query::select()
        .columns([
            GeoMerger::FormerNis,
            GeoMerger::SuccessorNis,
            GeoMerger::EffectiveDate,
        ])
        .from(GeoMerger::Table)
        .order_by(GeoMerger::FormerNis, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn load_police_zones(db: &Db) -> Result<Vec<PoliceZoneRow>, DbError> {
    let query = Query::select()
        .columns([
            GeoPoliceZone::ZoneKey,
            GeoPoliceZone::ZoneCode,
            GeoPoliceZone::Name,
            GeoPoliceZone::Region,
            GeoPoliceZone::CodeVerified,
            GeoPoliceZone::ValidFrom,
            GeoPoliceZone::ValidTo,
            GeoPoliceZone::FormedFrom,
        ])
        .from(GeoPoliceZone::Table)
        .order_by(GeoPoliceZone::ZoneKey, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn load_memberships(db: &Db) -> Result<Vec<MembershipRow>, DbError> {
    let query = Query::select()
        .columns([
            GeoPoliceZoneMember::ZoneKey,
            GeoPoliceZoneMember::Nis,
            GeoPoliceZoneMember::ValidFrom,
            GeoPoliceZoneMember::ValidTo,
        ])
        .from(GeoPoliceZoneMember::Table)
        .order_by(GeoPoliceZoneMember::ZoneKey, Order::Asc)
        .order_by(GeoPoliceZoneMember::Nis, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn load_all_boundaries(db: &Db) -> Result<Vec<BoundaryRow>, DbError> {
    let query = Query::select()
        .columns([GeoBoundary::Nis, GeoBoundary::Geometry])
        .from(GeoBoundary::Table)
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn load_boundary(db: &Db, nis: &str) -> Result<Option<BoundaryRow>, DbError> {
    let query = Query::select()
        .columns([GeoBoundary::Nis, GeoBoundary::Geometry])
        .from(GeoBoundary::Table)
        .and_where(Expr::col(GeoBoundary::Nis).eq(nis))
        .to_owned();
    db.fetch_optional(&query).await
}
