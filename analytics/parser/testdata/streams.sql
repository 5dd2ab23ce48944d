-- Declared streams and tables: every type, every kind of option value.

CREATE STREAM readings (
  device   STRING,
  temp     DOUBLE,   -- °C
  hum      FLOAT,    -- an alias of DOUBLE
  battery  INT,
  online   BOOLEAN,
  ts       TIMESTAMP,
  payload  JSON      -- nested: payload.env.pressure, payload['raw'][0]
) WITH (
  source       = 'sensors',
  format       = 'json',
  timestamp    = 'ts',
  lateness     = '5s',
  idle_timeout = INTERVAL '1' MINUTE
);

CREATE STREAM meters (meter VARCHAR, kwh REAL, at TIMESTAMP)
  WITH (source = 'meters-raw', format = 'csv', header = TRUE, delimiter = ';', timestamp = 'at');

/* A schemaless stream with an event-time column taken from inside the JSON. */
CREATE STREAM doors WITH (source = 'doors', timestamp = 'event.time', lateness = '30s');

CREATE STREAM "Vibration Sensors" ("axis-x" DOUBLE, "axis-y" DOUBLE, `select` STRING)
  WITH (source = 'vib', sample_rate = 1600, scale = 0.001, epoch = TIMESTAMP '2026-01-01');

CREATE TABLE rooms (device STRING, room STRING, floor BIGINT, max_temp DOUBLE)
  WITH (file = '/etc/tidegate/rooms.csv', format = 'csv', key = 'device');

CREATE TABLE calibration WITH (file = 'calibration.json', format = 'json', key = 'device');

CREATE TABLE last_config WITH (source = 'configs', key = 'device');

DROP QUERY hot_rooms;
DROP TABLE rooms;
DROP STREAM "Vibration Sensors";
