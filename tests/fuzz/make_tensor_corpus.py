#!/usr/bin/python3
"""Seed corpora for the tensor readers (spec/IMPORT.md, spec/HOSTILE.md):
tests/fuzz/corpus/safetensors/ and tests/fuzz/corpus/numpy/, written from
the formats' specifications with struct, json, zlib and zipfile only
(independently of the C writers); and tests/fuzz/corpus/examples/ for the
examples reader of bin/export (the JSON of certify --emit-examples,
spec/CERTIFY.md "Examples file").

Names carry the expected outcome of nrc_tensor_file_parse, asserted by
tests/t-fuzz_replay.c:  ok_*  accepted (values may still be refused later,
e.g. ok_nan_*: NaN is a value, refused by the converter),  bad_*  refused
with NRC_ERR_INPUT (exit 3 in bin/import). tests/cli/import.sh also runs
bin/import on every bad_* file and checks exit 3, the file name in the
message and that no output file appears.

Run: /usr/bin/python3 tests/fuzz/make_tensor_corpus.py"""
import glob
import io
import json
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ST = os.path.join(HERE, 'corpus', 'safetensors')
EX = os.path.join(HERE, 'corpus', 'examples')
NP = os.path.join(HERE, 'corpus', 'numpy')


def clean(d):
    os.makedirs(d, exist_ok=True)
    for p in glob.glob(os.path.join(d, 'ok_*')) + glob.glob(os.path.join(d, 'bad_*')):
        if '_fuzz_finding' not in p:  # inputs the fuzzer found, kept by name
            os.remove(p)


def write(d, name, data):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


FMT = {'F64': 'd', 'F32': 'f', 'F16': 'e', 'I64': 'q', 'I32': 'i', 'I8': 'b', 'U8': 'B', 'BOOL': '?',
       'I16': 'h', 'U16': 'H', 'U32': 'I', 'U64': 'Q'}


def raw(dtype, values):
    if dtype == 'BF16':  # upper halves of float32 patterns
        return b''.join(struct.pack('<f', v)[2:] for v in values)
    return struct.pack('<%d%s' % (len(values), FMT[dtype]), *values)


def st_file(tensors, meta=None, pad=True, header=None, extra=b''):
    """tensors: list of (name, dtype, shape, bytes)."""
    h, off, blob = {}, 0, b''
    if meta is not None:
        h['__metadata__'] = meta
    for name, dt, shape, data in tensors:
        h[name] = {'dtype': dt, 'shape': shape, 'data_offsets': [off, off + len(data)]}
        off += len(data)
        blob += data
    hb = header if header is not None else json.dumps(h).encode()
    if pad:
        hb += b' ' * ((8 - len(hb) % 8) % 8)
    return struct.pack('<Q', len(hb)) + hb + blob + extra


def net_tensors():
    return [('0.weight', 'F32', [2, 3], raw('F32', [1, -2, 0.5, 0.25, 3, -1])),
            ('0.bias', 'F32', [2], raw('F32', [0.125, -0.5])),
            ('2.weight', 'F32', [1, 2], raw('F32', [1, -1])),
            ('X', 'F64', [2, 3], raw('F64', [1, 0, 0, 0, 1, 0])),
            ('y', 'F64', [2], raw('F64', [1, -1]))]


def safetensors():
    clean(ST)
    ok = lambda n, b: write(ST, 'ok_' + n + '.safetensors', b)
    bad = lambda n, b: write(ST, 'bad_' + n + '.safetensors', b)
    ok('pytorch_f32', st_file(net_tensors(), meta={'format': 'pt'}))
    ok('no_padding', st_file(net_tensors(), pad=False))
    ok('empty_header', st_file([]))
    ok('zero_size', st_file([('X', 'F64', [0, 3], b''), ('y', 'F64', [0], b'')]))
    ok('scalar', st_file([('c', 'F64', [], raw('F64', [0.0]))]))
    sub16 = [struct.unpack('<e', struct.pack('<H', u))[0] for u in (0x0001, 0x03ff, 0x0400, 0x7bff, 0x8001, 0x8000)]
    ok('f16_bf16_subnormal', st_file([
        ('h', 'F16', [6], raw('F16', sub16)),
        ('bf', 'BF16', [4], struct.pack('<4H', 0x0001, 0x807f, 0x7f7f, 0x8000)),
        ('f', 'F32', [3], struct.pack('<3I', 0x00000001, 0x807fffff, 0x7f7fffff))]))
    ok('ints_bool', st_file([('a', 'I64', [2], raw('I64', [1, -1])), ('b', 'I8', [2], raw('I8', [-1, 1])),
                             ('c', 'U8', [2], raw('U8', [0, 1])), ('d', 'BOOL', [2], raw('BOOL', [True, False])),
                             ('e', 'I16', [1], raw('I16', [-1])), ('f', 'U16', [1], raw('U16', [1])),
                             ('g', 'I32', [1], raw('I32', [1])), ('h', 'U32', [1], raw('U32', [1])),
                             ('i', 'U64', [1], raw('U64', [1]))]))
    ok('nan_f32', st_file([('0.weight', 'F32', [1, 2], struct.pack('<2I', 0x7fc00000, 0))]))
    ok('inf_f64', st_file([('X', 'F64', [1, 1], struct.pack('<Q', 0x7ff0000000000000))]))
    ok('inf_f16', st_file([('w', 'F16', [1], struct.pack('<H', 0xfc00))]))
    ok('labels_half', st_file([('y', 'F64', [2], raw('F64', [1, 0.5]))]))
    ok('u64_huge', st_file([('y', 'U64', [1], raw('U64', [2**60]))]))
    ok('bool_2', st_file([('y', 'BOOL', [1], b'\x02')]))
    good = st_file(net_tensors())
    bad('empty', b'')
    bad('short', b'\x10\x00\x00')
    bad('truncated_header', good[:20])
    bad('truncated_data', good[:-4])
    bad('header_length_past_end', struct.pack('<Q', 1000) + b'{}')
    bad('header_length_huge', struct.pack('<Q', 2**63) + b'{}')
    bad('header_length_zero', struct.pack('<Q', 0) + b'{}')
    bad('not_brace', st_file([], header=b'[]'))
    bad('not_json', st_file([], header=b'{"a": }'))
    bad('bad_utf8', st_file([], header=b'{"\xc3\x28": 1}'))
    bad('escaped_nul', st_file([], header=b'{"a\\u0000": {}}'))
    bad('duplicate_name', st_file([], header=b'{"0.weight": {"dtype": "F64", "shape": [0], "data_offsets": [0, 0]},'
                                          b' "0.weight": {"dtype": "F64", "shape": [0], "data_offsets": [0, 0]}}'))
    two = raw('F64', [1, 2])

    def hdr(entries, data):
        return st_file([], header=json.dumps(entries).encode(), extra=data)
    bad('overlap', hdr({'a': {'dtype': 'F64', 'shape': [1], 'data_offsets': [0, 8]},
                        'b': {'dtype': 'F64', 'shape': [1], 'data_offsets': [0, 8]}}, two))
    bad('overlap_partial', hdr({'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]},
                                'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [4, 12]}}, two))
    bad('gap', hdr({'a': {'dtype': 'F64', 'shape': [1], 'data_offsets': [8, 16]}}, two))
    bad('trailing_data', hdr({'a': {'dtype': 'F64', 'shape': [1], 'data_offsets': [0, 8]}}, two))
    bad('offsets_out_of_range', hdr({'a': {'dtype': 'F64', 'shape': [3], 'data_offsets': [0, 24]}}, two))
    bad('offsets_past_2_64', hdr({'a': {'dtype': 'F64', 'shape': [1], 'data_offsets': [0, 2**63 + 8]}}, two))
    bad('offsets_reversed', hdr({'a': {'dtype': 'F64', 'shape': [0], 'data_offsets': [16, 8]}}, two))
    bad('offsets_negative', hdr({'a': {'dtype': 'F64', 'shape': [1], 'data_offsets': [-8, 0]}}, two))
    bad('offsets_three', hdr({'a': {'dtype': 'F64', 'shape': [2], 'data_offsets': [0, 16, 16]}}, two))
    bad('offsets_real', hdr({'a': {'dtype': 'F64', 'shape': [2], 'data_offsets': [0.0, 16]}}, two))
    bad('dtype_unknown', hdr({'a': {'dtype': 'F8_E4M3', 'shape': [16], 'data_offsets': [0, 16]}}, two))
    bad('dtype_lowercase', hdr({'a': {'dtype': 'f64', 'shape': [2], 'data_offsets': [0, 16]}}, two))
    bad('dtype_mismatch', hdr({'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 16]}}, two))
    bad('shape_mismatch', hdr({'a': {'dtype': 'F64', 'shape': [3], 'data_offsets': [0, 16]}}, two))
    bad('shape_1e12', hdr({'a': {'dtype': 'F64', 'shape': [1000000, 1000000], 'data_offsets': [0, 16]}}, two))
    bad('shape_overflow', hdr({'a': {'dtype': 'F64', 'shape': [2**32, 2**32, 2**32], 'data_offsets': [0, 16]}}, two))
    bad('shape_negative', hdr({'a': {'dtype': 'F64', 'shape': [-2], 'data_offsets': [0, 16]}}, two))
    bad('shape_real', hdr({'a': {'dtype': 'F64', 'shape': [2.0], 'data_offsets': [0, 16]}}, two))
    bad('shape_9_dims', hdr({'a': {'dtype': 'F64', 'shape': [1] * 8 + [2], 'data_offsets': [0, 16]}}, two))
    bad('missing_dtype', hdr({'a': {'shape': [2], 'data_offsets': [0, 16]}}, two))
    bad('unknown_member', hdr({'a': {'dtype': 'F64', 'shape': [2], 'data_offsets': [0, 16], 'x': 1}}, two))
    bad('entry_not_object', hdr({'a': [1, 2]}, two))
    bad('metadata_not_object', st_file([], meta=['pt']))
    bad('metadata_not_string', st_file([], meta={'format': 1}))
    bad('header_is_array', struct.pack('<Q', 2) + b'[]')


def npy(descr, shape, data, fortran=False, version=1, header=None, newline=True):
    if header is None:
        header = "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (
            repr(descr), 'True' if fortran else 'False',
            '(%s)' % (', '.join(str(s) for s in shape) + (',' if len(shape) == 1 else '')))
        header = header.encode('utf-8' if version == 3 else 'latin1')
    pre = 10 if version == 1 else 12
    total = pre + len(header) + (1 if newline else 0)
    header += b' ' * ((64 - total % 64) % 64) + (b'\n' if newline else b'')
    if version == 1:
        return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header + data
    return b'\x93NUMPY' + bytes([version, 0]) + struct.pack('<I', len(header)) + header + data


def npz(members, compress=False):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            z.writestr(info, data)
    return b.getvalue()


def numpy():
    clean(NP)
    ok = lambda n, b: write(NP, 'ok_' + n, b)
    bad = lambda n, b: write(NP, 'bad_' + n, b)
    X = npy('<f8', [2, 3], raw('F64', [1, 0, 0, 0, 1, 0]))
    y = npy('<f8', [2], raw('F64', [1, -1]))
    W = npy('<f4', [2, 3], raw('F32', [1, -2, 0.5, 0.25, 3, -1]))
    ok('f8.npy', X)
    ok('f4.npy', W)
    ok('f2_subnormal.npy', npy('<f2', [3], struct.pack('<3H', 0x0001, 0x83ff, 0x7bff)))
    ok('v2.npy', npy('<f8', [2, 3], raw('F64', [1, 0, 0, 0, 1, 0]), version=2))
    ok('v3.npy', npy('<f8', [1], raw('F64', [1]), version=3))
    ok('fortran.npy', npy('<f8', [2, 3], raw('F64', [1, 4, 2, 5, 3, 6]), fortran=True))
    ok('fortran_1d.npy', npy('<u8', [3], raw('U64', [1, 2, 3]), fortran=True))
    ok('bool.npy', npy('|b1', [2], b'\x01\x00'))
    ok('i8.npy', npy('<i8', [2], raw('I64', [1, -1])))
    ok('u1.npy', npy('|u1', [2], b'\x00\x01'))
    ok('scalar.npy', npy('<f8', [], raw('F64', [0.0])))
    ok('zero_rows.npy', npy('<f8', [0, 3], b''))
    ok('double_quotes.npy', npy(None, None, raw('F64', [1]),
                                header=b'{"descr": "<f8", "fortran_order": False, "shape": (1,)}'))
    ok('nan.npy', npy('<f8', [1], struct.pack('<Q', 0x7ff8000000000000)))
    ok('stored.npz', npz([('X.npy', X), ('y.npy', y), ('0.weight.npy', W)]))
    ok('deflated.npz', npz([('X.npy', X), ('y.npy', y), ('0.weight.npy', W)], compress=True))
    ok('empty.npz', npz([]))
    zeros = npy('<f8', [16384], bytes(8 * 16384))
    ok('zeros_deflated.npz', npz([('z.npy', zeros)], compress=True))
    bad('empty.npy', b'\x93NUMPY')
    bad('short.npy', b'\x93NUMPY\x01\x00\x10')
    bad('version_4.npy', npy('<f8', [1], raw('F64', [1]))[:6] + b'\x04\x00' + npy('<f8', [1], raw('F64', [1]))[8:])
    bad('minor_1.npy', npy('<f8', [1], raw('F64', [1]))[:7] + b'\x01' + npy('<f8', [1], raw('F64', [1]))[8:])
    bad('header_length_past_end.npy', b'\x93NUMPY\x01\x00\xff\xff{}')
    bad('header_length_past_end_v2.npy', b'\x93NUMPY\x02\x00\xff\xff\xff\xff{}')
    bad('no_newline.npy', npy('<f8', [1], raw('F64', [1]), newline=False))
    bad('not_dict.npy', npy(None, None, raw('F64', [1]), header=b"['<f8', False, (1,)]"))
    bad('missing_key.npy', npy(None, None, raw('F64', [1]), header=b"{'descr': '<f8', 'shape': (1,)}"))
    bad('extra_key.npy', npy(None, None, raw('F64', [1]),
                             header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}"))
    bad('repeated_key.npy', npy(None, None, raw('F64', [1]),
                                header=b"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"))
    bad('big_endian.npy', npy('>f8', [1], struct.pack('>d', 1)))
    bad('complex.npy', npy('<c16', [1], bytes(16)))
    bad('structured.npy', npy(None, None, bytes(8),
                              header=b"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}"))
    bad('object.npy', npy('|O', [1], bytes(8)))
    bad('shape_int_not_tuple.npy', npy(None, None, raw('F64', [1, 2, 3]),
                                       header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (3)}"))
    bad('shape_negative.npy', npy(None, None, raw('F64', [1]),
                                  header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}"))
    bad('shape_real.npy', npy(None, None, raw('F64', [1]),
                              header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (1.0,)}"))
    bad('shape_9_dims.npy', npy('<f8', [1] * 9, raw('F64', [1])))
    bad('shape_1e12.npy', npy('<f8', [1000000, 1000000], raw('F64', [1, 2])))
    bad('shape_overflow.npy', npy('<f8', [2**32, 2**32, 2**32], raw('F64', [1, 2])))
    bad('shape_beyond_2_64.npy', npy(None, None, raw('F64', [1]),
                                     header=b"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}"))
    bad('truncated_data.npy', X[:-3])
    bad('trailing_data.npy', X + b'\0')
    bad('dtype_mismatch.npy', npy('<f4', [6], raw('F64', [1, 0, 0, 0, 1, 0])))
    bad('fortran_yes.npy', npy(None, None, raw('F64', [1]),
                               header=b"{'descr': '<f8', 'fortran_order': 'yes', 'shape': (1,)}"))
    bad('non_ascii_v1.npy', npy(None, None, raw('F64', [1]),
                                header="{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\xe9".encode('latin1')))
    bad('escape_in_string.npy', npy(None, None, raw('F64', [1]),
                                    header=b"{'descr': '<f\\x38', 'fortran_order': False, 'shape': (1,)}"))
    # .npz
    bad('member_not_npy.npz', npz([('X.txt', b'hello')]))
    bad('duplicate_member.npz', npz([('X.npy', X), ('X.npy', X)]))
    bad('member_bad_npy.npz', npz([('X.npy', X[:-1])], compress=True))
    bad('member_1e12.npz', npz([('X.npy', npy('<f8', [1000000, 1000000], bytes(16)))], compress=True))
    st = npz([('X.npy', X)])
    bad('truncated.npz', st[:len(st) // 2])
    crc = bytearray(st)
    crc[30 + len('X.npy') + 80] ^= 1  # a data byte of the stored member: CRC-32 mismatch
    bad('crc.npz', bytes(crc))
    # zip bombs: a member declaring 4 GiB; a member declaring 1000
    # bytes that inflates to 10 MB; a method libzip knows but NumPy does not
    # write (bzip2)
    big = npz([('z.npy', npy('<f8', [1250000], bytes(8 * 1250000)))], compress=True)
    bad('bomb_declared_huge.npz', patch_sizes(big, 2**32 - 2))
    bad('bomb_lying_size.npz', patch_sizes(big, 1000))
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_BZIP2) as z:
        z.writestr(zipfile.ZipInfo('X.npy', date_time=(2000, 1, 1, 0, 0, 0)), X, compress_type=zipfile.ZIP_BZIP2)
    bad('bzip2.npz', b.getvalue())
    bad('not_zip.npz', b'PK\x03\x04' + bytes(40))


def patch_sizes(data, size):
    """Set the uncompressed size of the only member in both its local header
    and its central directory entry (a lying or huge declared size)."""
    d = bytearray(data)
    struct.pack_into('<I', d, d.find(b'PK\x03\x04') + 22, size)
    struct.pack_into('<I', d, d.find(b'PK\x01\x02') + 24, size)
    return bytes(d)


def examples():
    clean(EX)
    good = {'format': 'nrc-examples', 'version': 1, 'model_sha256': '0123456789abcdef' * 4,
            'semantics': 'exact-real-on-binary64',
            'examples': [{'set': 'train', 'index': 0, 'sign': 1, 'status': 'certified',
                          'x': ['0x1p+0', '-0x0.0000000000001p-1022', '0x0p+0']},
                         {'set': 'test', 'index': 3, 'sign': -1, 'status': 'undecided',
                          'x': ['0x1.fffffffffffffp+1023', '-0x1.8p-3', '0x1.4p+2']}]}

    def put(name, obj=None, text=None):
        write(EX, name + '.json', text.encode() if text is not None else json.dumps(obj, indent=2).encode())

    def mut(name, f):
        o = json.loads(json.dumps(good))
        f(o)
        put('bad_' + name, o)
    put('ok_two', good)
    put('ok_empty', dict(good, examples=[]))
    put('ok_compact', text=json.dumps(good, separators=(',', ':')))
    mut('version_2', lambda o: o.update(version=2))
    mut('format', lambda o: o.update(format='nrc-example'))
    mut('semantics', lambda o: o.update(semantics='float'))
    mut('sha_upper', lambda o: o.update(model_sha256='ABCDEF0123456789' * 4))
    mut('sha_short', lambda o: o.update(model_sha256='0123'))
    mut('unknown_member', lambda o: o.update(extra=1))
    mut('examples_object', lambda o: o.update(examples={}))
    for name, val in (('noncanonical', '0x1.0p+0'), ('decimal', '1.0'), ('inf', 'inf'), ('nan', 'nan'),
                      ('overflow', '0x1p+1024'), ('no_0x', '1p+0'), ('space', ' 0x1p+0'), ('empty', '')):
        mut('x_' + name, lambda o, v=val: o['examples'][0]['x'].__setitem__(0, v))
    mut('x_number', lambda o: o['examples'][0]['x'].__setitem__(0, 1))
    mut('x_short_row', lambda o: o['examples'][1]['x'].pop())
    mut('x_empty', lambda o: o['examples'][0].update(x=[]))
    mut('sign_0', lambda o: o['examples'][0].update(sign=0))
    mut('sign_real', lambda o: o['examples'][0].update(sign=1.0))
    mut('index_negative', lambda o: o['examples'][0].update(index=-1))
    mut('index_huge', lambda o: o['examples'][0].update(index=2**31))
    mut('set', lambda o: o['examples'][0].update(set='training'))
    mut('status', lambda o: o['examples'][1].update(status='maybe'))
    mut('example_member', lambda o: o['examples'][0].update(z=1))
    mut('example_not_object', lambda o: o['examples'].__setitem__(0, [1]))
    put('bad_not_json', text='{"format": ')
    put('bad_array', text='[]')
    put('bad_duplicate_key', text=json.dumps(good)[:-1] + ', "version": 1}')
    put('bad_empty', text='')


if __name__ == '__main__':
    safetensors()
    numpy()
    examples()
    print('safetensors:', len(os.listdir(ST)), 'numpy:', len(os.listdir(NP)), 'examples:', len(os.listdir(EX)))
