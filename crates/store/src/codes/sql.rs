//! SQL of stored scenes and generated codes, shared by both backends (`?N` placeholders).

/// Keeps a scene unless its id is kept (?1 id, ?2 scene, ?3 now).
pub const INSERT_SCENE: &str = "INSERT INTO scenes (id, scene, created_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (id) DO NOTHING";

/// One scene (?1 id).
pub const SELECT_SCENE: &str = "SELECT scene FROM scenes WHERE id = ?1";

/// The file of a code (?1 parameters' hash).
pub const SELECT_CODE_FILE: &str = "SELECT file_id FROM wxacodes WHERE params_hash = ?1";

/// Records or replaces the file of a code (?1 parameters' hash, ?2 file id, ?3 now).
pub const UPSERT_CODE_FILE: &str = "INSERT INTO wxacodes (params_hash, file_id, created_at)
     VALUES (?1, ?2, ?3)
     ON CONFLICT (params_hash) DO UPDATE SET file_id = excluded.file_id,
     created_at = excluded.created_at";
