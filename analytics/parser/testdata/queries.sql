-- Continuous queries: every window, every emit policy, joins, late rows.

CREATE QUERY hot_rooms_hopping AS
  INSERT INTO alerts
  SELECT device, AVG(temp) AS avg_temp, window_start, window_end
  FROM readings
  WHERE temp IS NOT NULL AND device NOT LIKE 'test-%'
  GROUP BY device, HOP(ts, INTERVAL '5' MINUTE, INTERVAL '1' MINUTE)
  HAVING AVG(temp) > 30 AND COUNT(*) >= 3
  EMIT EVERY INTERVAL '10' SECOND
  EMIT LATE INTO late_readings;

CREATE QUERY rolling AS INSERT INTO rolling_avg
  SELECT device, ts, temp, AVG(temp) AS avg_10m, STDDEV(temp) AS sd
  FROM readings
  GROUP BY device, SLIDE(ts, INTERVAL '10' MINUTE)
  EMIT ON UPDATE;

CREATE QUERY last_ten AS INSERT INTO last_ten
  SELECT device, MEDIAN(temp) AS median, PERCENTILE(temp, 0.95) AS p95
  FROM readings GROUP BY device, SLIDE(ROWS 10);

CREATE QUERY door_sessions AS INSERT INTO visits
  SELECT door, COUNT(*) AS opens, MIN(ts) AS first_open, MAX(ts) AS last_open
  FROM doors
  GROUP BY door, SESSION(ts, INTERVAL '30' SECOND, INTERVAL '1' HOUR)
  EMIT ON WINDOW CLOSE;

CREATE QUERY batches AS INSERT INTO batches
  SELECT line, COUNT(DISTINCT part) AS parts, FIRST(ts) AS started, LAST(ts) AS ended
  FROM parts GROUP BY line, COUNTWINDOW(100, 20);

CREATE QUERY arrival_tumble AS INSERT INTO per_minute
  SELECT COUNT(*) AS n FROM sensors GROUP BY TUMBLE(INTERVAL '1m');

-- Stream–table join: enrich readings with the room from a CSV file.
CREATE QUERY enriched AS INSERT INTO readings_by_room
  SELECT r.device, m.room, m.floor, r.temp,
         CASE WHEN r.temp > m.max_temp THEN 'hot' WHEN r.temp < 10 THEN 'cold' ELSE 'ok' END AS state
  FROM readings AS r
  LEFT JOIN rooms AS m ON r.device = m.device;

-- Stream–stream join within a time bound.
CREATE QUERY door_then_motion AS INSERT INTO entries
  SELECT d.door, m.zone, d.ts AS opened, m.ts AS moved
  FROM doors d
  JOIN motion m
    ON d.zone = m.zone
   AND m.ts BETWEEN d.ts AND d.ts + INTERVAL '2' MINUTE;

-- Stateful functions bounded in time, and anomaly scores.
CREATE QUERY changes AS INSERT INTO state_changes
  SELECT device, state, LAG(state, 1, INTERVAL '1' HOUR) AS previous, ts
  FROM machines
  WHERE CHANGED(state, INTERVAL '1' HOUR);

CREATE QUERY spikes AS INSERT INTO anomalies
  SELECT device, temp, ANOMALY_SCORE(temp, INTERVAL '1' HOUR) AS score
  FROM readings
  WHERE ANOMALY_SCORE(temp, INTERVAL '1' HOUR) > 3.5;

-- Nested JSON, casts, string and math functions.
CREATE QUERY decoded AS INSERT INTO decoded
  SELECT payload.env.pressure::DOUBLE / 100 AS hpa,
         CAST(payload['raw'][0] AS BIGINT) AS first_raw,
         UPPER(device) || '/' || COALESCE(payload.site, 'unknown') AS id,
         ROUND(temp * 9 / 5 + 32, 1) AS fahrenheit,
         ABS(-temp) % 7 AS bucket
  FROM readings
  WHERE payload.kind IN ('env', 'air') AND battery BETWEEN 10 AND 100
    AND NOT (online = FALSE OR device LIKE 'x!_%' ESCAPE '!');
