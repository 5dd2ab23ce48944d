package function

import (
	"fmt"
	"strconv"
	"time"
)

// Strftime appends t formatted by the strftime directives of format: %Y %y %m %d %e %H %I
// %M %S %f (microseconds) %L (milliseconds) %p %j %a %A %b %B %F (%Y-%m-%d) %T (%H:%M:%S)
// %s (Unix seconds) %z (+0000) %Z (UTC) %%. An unknown directive is an error.
func Strftime(dst []byte, t time.Time, format string) ([]byte, error) {
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+1 >= len(format) {
			return nil, fmt.Errorf("format ends with a lone %%")
		}
		i++
		switch d := format[i]; d {
		case 'Y':
			pad(t.Year(), 4)
		case 'y':
			pad(t.Year()%100, 2)
		case 'm':
			pad(int(t.Month()), 2)
		case 'd':
			pad(t.Day(), 2)
		case 'e':
			if t.Day() < 10 {
				dst = append(dst, ' ')
			}
			pad(t.Day(), 1)
		case 'H':
			pad(t.Hour(), 2)
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, 2)
		case 'M':
			pad(t.Minute(), 2)
		case 'S':
			pad(t.Second(), 2)
		case 'f':
			pad(t.Nanosecond()/1000, 6)
		case 'L':
			pad(t.Nanosecond()/1e6, 3)
		case 'p':
			if t.Hour() < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'j':
			pad(t.YearDay(), 3)
		case 'a':
			dst = append(dst, t.Weekday().String()[:3]...)
		case 'A':
			dst = append(dst, t.Weekday().String()...)
		case 'b':
			dst = append(dst, t.Month().String()[:3]...)
		case 'B':
			dst = append(dst, t.Month().String()...)
		case 'F':
			dst = t.AppendFormat(dst, "2006-01-02")
		case 'T':
			dst = t.AppendFormat(dst, "15:04:05")
		case 's':
			dst = strconv.AppendInt(dst, t.Unix(), 10)
		case 'z':
			dst = t.AppendFormat(dst, "-0700")
		case 'Z':
			dst = append(dst, t.Location().String()...)
		case '%':
			dst = append(dst, '%')
		default:
			return nil, fmt.Errorf("unknown directive %%%c (%%Y %%m %%d %%H %%M %%S %%f %%L %%j %%a %%b %%F %%T %%s %%z …)", d)
		}
	}
	return dst, nil
}
