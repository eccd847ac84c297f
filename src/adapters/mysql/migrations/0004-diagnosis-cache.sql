-- Diagnoses shared by fingerprint between diagnose workers (processes, hosts): one generation per
-- fingerprint within the TTL across the deployment, not per process.
CREATE TABLE IF NOT EXISTS diagnosis_cache (
  fingerprint VARCHAR(64)  NOT NULL,
  diagnosis   MEDIUMTEXT   NOT NULL,
  provider    VARCHAR(128) NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (fingerprint),
  INDEX idx_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
