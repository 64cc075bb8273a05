// Qt's QDataStream serialization of a QByteArray, as Desktop writes it: a big-endian uint32
// length, then the bytes; 0xFFFFFFFF is a null array (read as empty).
import type { Reader, Writer } from "../bytes.js";

const NULL_LENGTH = 0xffffffff;

/** Reads one Qt byte array (a null one as empty). */
export function readQBytes(reader: Reader, field: string): Uint8Array {
	const length = reader.u32be(`${field} length`);
	if (length === NULL_LENGTH) return new Uint8Array(0);
	return reader.take(length, field);
}

/** Writes one Qt byte array. */
export function writeQBytes(writer: Writer, bytes: Uint8Array): Writer {
	return writer.u32be(bytes.length).raw(bytes);
}
