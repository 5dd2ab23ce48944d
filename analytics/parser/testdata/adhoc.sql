-- Ad-hoc queries over what the streams retain.

SELECT * FROM sensors;

SELECT device, temp FROM readings SINCE '2026-11-27T00:00:00Z'
WHERE temp > 25.5 ORDER BY temp DESC LIMIT 20;

SELECT device, COUNT(*) AS n, AVG(temp) AS avg_temp
FROM readings SINCE '2026-11-27 06:00:00'
GROUP BY device
HAVING COUNT(*) > 100
ORDER BY n DESC, device;

SELECT window_end, MAX(temp) FROM readings
GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)
ORDER BY window_end LIMIT 24;

SELECT r.*, m.room FROM readings r JOIN rooms m ON r.device = m.device WHERE m.floor = -1;

select lower(device) d, temp t from readings where ts >= timestamp '2026-11-27' and ts < now() - interval '90' minutes;
