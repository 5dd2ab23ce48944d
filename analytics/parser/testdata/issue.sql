CREATE STREAM readings (device STRING, temp DOUBLE, hum DOUBLE, ts TIMESTAMP)
  WITH (source = 'sensors', format = 'json', timestamp = 'ts', lateness = '5s');

CREATE QUERY hot_rooms AS
  INSERT INTO alerts
  SELECT device, AVG(temp) AS avg_temp, MAX(temp) AS max_temp, COUNT(*) AS n, window_end
  FROM readings
  GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)
  HAVING AVG(temp) > 30
  EMIT ON WINDOW CLOSE;
