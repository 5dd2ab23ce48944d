package sensors

// Checksums the chips append to what they send, written out here from the
// datasheets so the tests do not borrow the code they check.

// dallasCRC8 is the Maxim 1-Wire CRC (x⁸+x⁵+x⁴+1, reflected, initial 0) that
// ends a DS18B20 ROM id and scratchpad.
func dallasCRC8(b []byte) byte {
	var crc byte
	for _, x := range b {
		for range 8 {
			mix := (crc ^ x) & 1
			crc >>= 1
			if mix != 0 {
				crc ^= 0x8c
			}
			x >>= 1
		}
	}
	return crc
}

// sensirionCRC8 is the CRC-8 (x⁸+x⁵+x⁴+1, initial 0xff, not reflected) that
// follows every 16-bit word from a Sensirion SCD4x and the six data bytes
// from an Aosong AHT20.
func sensirionCRC8(b []byte) byte {
	crc := byte(0xff)
	for _, x := range b {
		crc ^= x
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ 0x31
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
