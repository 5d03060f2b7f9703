#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/model/,
tests/fuzz/corpus/cert/) from the specs alone (spec/MODEL.md,
spec/CERTIFICATE.md): struct + hashlib + json, independent of the C writer.

Names carry the expected outcome, asserted by tests/t-fuzz_replay.c:
  model/ok_*      valid model files           model/bad_*  one per rejection class
  cert/ok_a_*, ok_b_*        valid for the harness's model A / model B
  cert/false_a_*, false_b_*  well formed, one claim false (exit 1)
  cert/inputerr_a_*          well formed, does not fit model A (exit 3)
  cert/bad_*                 malformed: rejected for both models (exit 3)
Models A and B are the ones tests/fuzz/fuzz_cert.c builds in code; the
certificates' model.sha256 binds them, so the C and Python writers must
agree byte for byte (the replay test fails otherwise).

Run: /usr/bin/python3 tests/fuzz/make_corpus.py   (rewrites the seed files;
files named by libFuzzer, SHA-1 hex, are left alone)."""
import copy
import glob
import hashlib
import json
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, 'corpus', 'model')
CERT_DIR = os.path.join(HERE, 'corpus', 'cert')
META = b'{"generator":"tests/fuzz/fuzz_cert.c"}'


def model_bytes(n, d, k, m, flags, W, b, v, X, y, Xt, yt, meta=META,
                reserved=0, version=1, fix_sum=True, raw_reals=None):
    body = b'NRCMODEL' + struct.pack('<II', version, flags)
    body += struct.pack('<QQQQQQ', n, d, k, m, len(meta), reserved)
    if raw_reals is not None:
        body += raw_reals
    else:
        for arr in (W, b, v, X, y, Xt, yt):
            body += struct.pack('<%dd' % len(arr), *arr)
    body += meta
    return body + (hashlib.sha256(body).digest() if fix_sum else b'\0' * 32)


A = dict(n=2, d=1, k=2, m=1, flags=0, W=[1.0, -1.0], b=[], v=[1.0, -1.0],
         X=[1.0, -1.0], y=[1.0, -1.0], Xt=[0.5], yt=[1.0])
B = dict(n=2, d=2, k=2, m=0, flags=3, W=[1.0, 0.0, 0.0, 1.0], b=[0.0, -1.0],
         v=[1.0, -1.0], X=[2.0, 0.0, 0.0, 2.0], y=[1.0, -1.0], Xt=[], yt=[])


def hx(x):
    """C99 hex of a double, like glibc %a (no trailing zeros)."""
    x = float(x)
    if x == 0:
        return '-0x0p+0' if math.copysign(1, x) < 0 else '0x0p+0'
    s = x.hex()                          # [-]0x1.hhhhhhhhhhhhhp+e
    mant, exp = s.split('p')
    if '.' in mant:
        mant = mant.rstrip('0').rstrip('.')
    return mant + 'p' + exp


def up(x):
    return math.nextafter(x, math.inf)


def down(x):
    return math.nextafter(x, -math.inf)


def enc(lo, hi=None):
    return [hx(lo), hx(lo if hi is None else hi)]


def write(dirname, name, data):
    with open(os.path.join(dirname, name), 'wb') as f:
        f.write(data)


def write_json(name, obj):
    write(CERT_DIR, name, (json.dumps(obj, indent=2) + '\n').encode())


def clean(dirname):
    os.makedirs(dirname, exist_ok=True)
    for p in glob.glob(os.path.join(dirname, '*')):
        base = os.path.basename(p)
        if base.split('_')[0] in ('ok', 'bad', 'false', 'inputerr'):
            os.remove(p)


# ---------------------------------------------------------------- models
def models():
    clean(MODEL_DIR)
    a = model_bytes(**A)
    write(MODEL_DIR, 'ok_model_a.bin', a)
    write(MODEL_DIR, 'ok_model_b.bin', model_bytes(**B))
    tiny = os.path.join(HERE, '..', 'fixtures', 'model', 'tiny.bin')
    with open(tiny, 'rb') as f:
        write(MODEL_DIR, 'ok_tiny.bin', f.read())
    # Hostile but valid values: subnormals, -0.0, the largest doubles, m = 0.
    write(MODEL_DIR, 'ok_extreme_values.bin', model_bytes(
        n=1, d=2, k=2, m=0, flags=1, W=[5e-324, -0.0, 1.7976931348623157e308, -2.2250738585072014e-308],
        b=[-5e-324, 1e-310], v=[-1.7976931348623157e308, 5e-324], X=[0.0, -0.0], y=[-1.0], Xt=[], yt=[],
        meta=b' {"a":[1,2,{"b":null}],"\\u00e9":"\xc3\xa9\xf0\x9f\x98\x80"} '))

    hostile_models()

    def bad(name, data):
        write(MODEL_DIR, 'bad_' + name + '.bin', data)

    def with_(**kw):
        d = dict(A)
        d.update(kw)
        return model_bytes(**d)

    def header_field(off, fmt, value):
        body = bytearray(a[:-32])
        struct.pack_into(fmt, body, off, value)
        return bytes(body) + hashlib.sha256(bytes(body)).digest()

    bad('empty', b'')
    bad('magic', b'NRCMODEX' + a[8:])
    bad('magic_short', b'NRC')
    bad('magic_lowercase', b'nrcmodel' + a[8:])
    bad('short_header', a[:40])
    bad('version_0', header_field(8, '<I', 0))
    bad('version_2', header_field(8, '<I', 2))
    bad('flags_unknown', header_field(12, '<I', 4))
    bad('flags_high', header_field(12, '<I', 0x80000000))
    bad('n_zero', header_field(16, '<Q', 0))
    bad('d_zero', header_field(24, '<Q', 0))
    bad('k_zero', header_field(32, '<Q', 0))
    bad('n_over_cap', header_field(16, '<Q', 2**31 + 1))
    bad('d_over_cap', header_field(24, '<Q', 2**31 + 1))
    bad('k_over_cap', header_field(32, '<Q', 2**31 + 1))
    bad('m_over_cap', header_field(40, '<Q', 2**31 + 1))
    bad('m_max', header_field(40, '<Q', 2**64 - 1))
    bad('meta_len_over_cap', header_field(48, '<Q', 2**24 + 1))
    bad('reserved', header_field(56, '<Q', 1))
    # Every size at its cap: the products overflow or exceed the file cap.
    h = bytearray(a[:64])
    struct.pack_into('<QQQQQ', h, 16, 2**31, 2**31, 2**31, 2**31, 2**24)
    bad('sizes_at_caps', bytes(h) + b'\0' * 64)
    h = bytearray(a[:64])
    struct.pack_into('<QQQQQ', h, 16, 1, 2**31, 2**31, 0, 0)
    bad('file_cap', bytes(h) + b'\0' * 64)
    h = bytearray(a[:64])
    struct.pack_into('<QQQQQ', h, 16, 2**20, 2**10, 1, 0, 0)
    bad('consistent_huge_header_only', bytes(h))
    bad('truncated_by_1', a[:-1])
    bad('truncated_in_W', a[:70])
    bad('trailing_byte', a + b'\0')
    bad('trailing_copy', a + a)
    body = bytearray(a)
    body[80] ^= 1
    bad('checksum_bitflip_in_data', bytes(body))
    bad('checksum_zero', a[:-32] + b'\0' * 32)
    bad('W_nan', with_(W=[float('nan'), -1.0]))
    bad('W_snan', model_bytes(**dict(A, raw_reals=struct.pack('<Q', 0x7ff0000000000001) + struct.pack(
        '<7d', -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0) + struct.pack('<2d', 0.5, 1.0))))
    bad('v_inf', with_(v=[1.0, math.inf]))
    bad('X_minus_inf', with_(X=[-math.inf, -1.0]))
    bad('Xt_nan', with_(Xt=[float('nan')]))
    bad('b_inf', model_bytes(**dict(B, b=[math.inf, -1.0])))
    bad('y_half', with_(y=[0.5, -1.0]))
    bad('y_zero', with_(y=[1.0, 0.0]))
    bad('y_minus_zero', with_(y=[-0.0, -1.0]))
    bad('y_one_plus_ulp', with_(y=[up(1.0), -1.0]))
    bad('y_nan', with_(y=[float('nan'), -1.0]))
    bad('yt_two', with_(yt=[2.0]))
    bad('meta_nul', with_(meta=b'{"a":"\x00"}'))
    bad('meta_overlong_utf8', with_(meta=b'{"a":"\xc0\xaf"}'))
    bad('meta_surrogate_utf8', with_(meta=b'{"a":"\xed\xa0\x80"}'))
    bad('meta_above_10ffff', with_(meta=b'{"a":"\xf4\x90\x80\x80"}'))
    bad('meta_truncated_utf8', with_(meta=b'{"a":"\xe2\x82"}'))
    bad('meta_lone_continuation', with_(meta=b'{"a":"\x80"}'))
    bad('meta_empty', with_(meta=b''))
    bad('meta_not_json', with_(meta=b'{"a":'))
    bad('meta_array', with_(meta=b'[1,2]'))
    bad('meta_string', with_(meta=b'"x"'))
    bad('meta_duplicate_key', with_(meta=b'{"a":1,"a":2}'))
    bad('meta_trailing', with_(meta=b'{} {}'))
    bad('meta_escaped_nul', with_(meta=b'{"a":"\\u0000"}'))
    bad('meta_huge_integer', with_(meta=b'{"a":123456789012345678901234567890}'))
    bad('meta_deep_nesting', with_(meta=b'{"a":' + b'[' * 3000 + b']' * 3000 + b'}'))


# ------------------------------------------------------ hostile models
# Valid model files with hostile numbers, used by tests/cli/hostile.sh (certify
# must certify or say undecided / none / not-applicable, never crash, and
# --check must accept what it wrote) and as fuzz seeds.  spec/HOSTILE.md lists
# each with the tool's answer.
def hmodel(name, W, v, X, y, b=None, Xt=(), yt=(), fixed=False):
    k = len(W)
    d = len(W[0])
    n = len(X)
    m = len(Xt)
    flags = (1 if b is not None else 0) | (2 if fixed else 0)
    flat = lambda rows: [x for r in rows for x in r]
    data = model_bytes(n=n, d=d, k=k, m=m, flags=flags, W=flat(W), b=list(b or []), v=list(v),
                       X=flat(X), y=list(y), Xt=flat(Xt), yt=list(yt),
                       meta=b'{"generator":"tests/fuzz/make_corpus.py","hostile":"' +
                       name.encode() + b'"}')
    write(MODEL_DIR, 'ok_hostile_%s.bin' % name, data)


def hostile_models():
    sub = 5e-324
    big = 1e300
    tiny = 1e-300
    # The "A" network N(t) = t on a line, scaled: every product overflows.
    hmodel('huge_weights', W=[[big], [-big]], v=[big, -big], X=[[1.0], [-1.0]], y=[1, -1],
           Xt=[[0.5]], yt=[1])
    # Weights and data near the top of the range: <w, x> overflows binary64.
    hmodel('huge_everything', W=[[big, big], [-big, -big]], v=[1.0, -1.0],
           X=[[big, 1.0], [-big, -1.0]], y=[1, -1])
    # Products underflow below the subnormals: w x v ~ 1e-900.
    hmodel('tiny_weights', W=[[tiny], [-tiny]], v=[tiny, -tiny], X=[[tiny], [-tiny]], y=[1, -1],
           Xt=[[tiny / 2]], yt=[1])
    # Subnormal weights and data: every product is 0 in binary64, not in R.
    hmodel('subnormal', W=[[sub, 0.0], [-sub, 3 * sub]], v=[sub, -sub],
           X=[[sub, sub], [-2 * sub, 0.0], [1.0, -sub]], y=[1, -1, 1], b=[sub, -sub])
    # Two identical neurons (W, b, v) and two identical training points.
    hmodel('duplicate_neurons', W=[[1.0, 2.0], [1.0, 2.0], [-1.0, 0.5]], v=[0.5, 0.5, -1.0],
           b=[0.25, 0.25, 0.0], X=[[1.0, 1.0], [1.0, 1.0], [-2.0, 0.5]], y=[1, 1, -1])
    # Dead neurons: one never active (w = 0, b < 0), one with v = 0.
    hmodel('dead_neurons', W=[[0.0, 0.0], [1.0, -1.0], [3.0, 3.0], [-1.0, 1.0]],
           v=[5.0, 1.0, 0.0, -1.0], b=[-1.0, 0.0, 0.0, 0.0],
           X=[[2.0, 0.0], [0.0, 2.0]], y=[1, -1])
    # Exact ReLU kinks: <w_j, x_i> + b_j = 0 for several (i, j).
    hmodel('exact_kinks', W=[[1.0, -1.0], [0.5, 0.5], [1.0, 0.0]], v=[1.0, -1.0, 1.0],
           b=[0.0, -1.0, -2.0], X=[[1.0, 1.0], [2.0, 0.0], [-1.0, 3.0], [3.0, 1.0]],
           y=[1, 1, -1, 1])
    # One class only: every label +1 (z = sum x_i, no negative class).
    hmodel('one_class', W=[[1.0, 0.0], [0.0, 1.0]], v=[1.0, 1.0],
           X=[[1.0, 0.5], [0.5, 1.0], [2.0, 2.0]], y=[1, 1, 1], Xt=[[1.0, 1.0]], yt=[1])
    # The smallest sizes: n = d = k = 1 (and m = 0).
    hmodel('n1_d1_k1', W=[[2.0]], v=[1.5], X=[[1.0]], y=[1])
    hmodel('n1_d1_k1_negative', W=[[2.0]], v=[1.5], X=[[1.0]], y=[-1])
    # A zero training point (R_min = 0: eps_data has a zero denominator).
    hmodel('zero_point', W=[[1.0, 0.0], [0.0, 1.0]], v=[1.0, -1.0], b=[0.5, 0.0],
           X=[[0.0, 0.0], [0.0, 1.0]], y=[1, -1])
    # All-zero network: N = 0 everywhere (no point is correctly classified).
    hmodel('zero_network', W=[[0.0, 0.0]], v=[0.0], X=[[1.0, 0.0], [0.0, 1.0]], y=[1, -1],
           Xt=[[1.0, 1.0]], yt=[-1])
    # Misclassified points and a point exactly on the boundary N(x) = 0.
    # N(x) = x_0: points 1 and 3 are on the wrong side, point 2 on N = 0.
    hmodel('misclassified', W=[[1.0, 0.0], [-1.0, 0.0]], v=[1.0, -1.0],
           X=[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [2.0, 1.0]], y=[1, 1, 1, -1])
    # Fixed second layer with biases, d = 1, k = 1.
    hmodel('fixed_layer_k1', W=[[1.0]], v=[1.0], b=[-0.5], X=[[1.0], [3.0]], y=[1, 1],
           fixed=True)
    # Near-tie: N(x) ~ 1e-17 exactly positive, rounding in binary64 gives 0 or < 0.
    hmodel('near_tie', W=[[1.0, 1.0], [1.0, 0.0]], v=[1.0, -1.0],
           X=[[1.0, 1e-17], [-1.0, 0.5]], y=[1, -1])


# ---------------------------------------------------------- certificates
def sha(model):
    return hashlib.sha256(model_bytes(**model)).hexdigest()


def flip(s, index, sign, scale, U, xnl, D, status='certified'):
    e = {'set': s, 'index': index, 'sign': sign,
         'scale': None if scale is None else hx(scale),
         'delta_norm_upper': None if U is None else hx(U),
         'x_norm_lower': hx(xnl), 'dist_lower': None if D is None else hx(D),
         'status': status}
    if status != 'certified':
        e['reason'] = 'seed corpus'
    return e


def cert_a():
    """Model A: N(t) = t; every claim tight where it can be."""
    return {
        'format': 'nrc-certificate', 'version': 1,
        'tool': {'name': 'nrc-certify', 'version': '0.1.0', 'engine': 'fast'},
        'model': {'sha256': sha(A), 'n': 2, 'd': 1, 'k': 2, 'm': 1, 'bias': False,
                  'fixed_second_layer': False},
        'semantics': 'exact-real-on-binary64',
        'options': {'points': 'all', 'direction': 'all'},
        'direction': {'indices': 'all'},
        'fit': {'all_correct': True, 'min_margin': enc(1), 'normalized_margin': enc(0.25),
                'theta_norm_sq': enc(4)},
        'data': {'R_min_sq': enc(1), 'R_max_sq': enc(1), 'rho': enc(1), 'eps_data': enc(1),
                 'gamma_z': enc(2), 'z_norm_sq': enc(4), 'n_pos': 1, 'n_neg': 1,
                 'regime': False},
        'lipschitz': {'neuron_norm_upper': [hx(1), hx(1)], 'L_upper': hx(2)},
        'flips': [flip('train', 0, 1, 1.0, 2.0, 1.0, 0.5),
                  flip('train', 1, -1, 1.0, 2.0, 1.0, 0.5),
                  flip('test', 0, 1, 0.5, 1.0, 0.5, 0.25)],
        'kkt': {'status': 'certified', 'variant': 'full', 'lambda': [hx(1), hx(1)],
                'kinks': [], 'eps_rel_upper': hx(0), 'eps_upper': hx(0),
                'delta_upper': hx(0), 'balance_defect_upper': hx(0)},
        'robust_reference': {'status': 'not-applicable', 'radius_lower': hx(0)},
        'theory': {'note': 'informative only'},
        'summary': {'certified_train': 2, 'certified_test': 1},
    }


def cert_b():
    """Model B: biases, fixed second layer, an exact kink a_10 = 0."""
    return {
        'format': 'nrc-certificate', 'version': 1,
        'tool': {'name': 'nrc-certify', 'version': '0.1.0', 'engine': 'mpfr'},
        'model': {'sha256': sha(B), 'n': 2, 'd': 2, 'k': 2, 'm': 0, 'bias': True,
                  'fixed_second_layer': True},
        'semantics': 'exact-real-on-binary64',
        'options': {'points': 'all', 'direction': 'all'},
        'direction': {'indices': 'all'},
        'fit': {'all_correct': True, 'min_margin': enc(1),
                'normalized_margin': [hx(down(0.2)), hx(0.2)], 'theta_norm_sq': enc(5)},
        'data': {'R_min_sq': enc(4), 'R_max_sq': enc(4), 'rho': enc(0), 'eps_data': enc(0),
                 'gamma_z': enc(4), 'z_norm_sq': enc(8), 'n_pos': 1, 'n_neg': 1,
                 'regime': True},
        'lipschitz': {'neuron_norm_upper': [hx(1), hx(1)], 'L_upper': hx(2)},
        'flips': [flip('train', 0, 1, 1.0, 3.0, 2.0, 1.0),
                  flip('train', 1, -1, 0.5, 2.0, 2.0, 0.5)],
        'kkt': {'status': 'certified', 'variant': 'fixed-second-layer',
                'lambda': [hx(0.5), hx(0.5)], 'kinks': [[1, 0, hx(0)]],
                'eps_rel_upper': hx(1), 'eps_upper': hx(2), 'delta_upper': hx(0.5),
                'balance_defect_upper': hx(0.25)},
        'robust_reference': {'status': 'certified', 'radius_lower': hx(1)},
        'theory': {}, 'summary': {},
    }


def setp(obj, path, value):
    """Set (or delete, value is DEL) a member at a path of keys / indices."""
    cur = obj
    for key in path[:-1]:
        cur = cur[key]
    if value is DEL:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value


DEL = object()


def variant(base, *edits):
    c = copy.deepcopy(base)
    for path, value in edits:
        setp(c, path, value)
    return c


def certs():
    clean(CERT_DIR)
    a, b = cert_a(), cert_b()
    write_json('ok_a_all_certified.json', a)
    write_json('ok_b_kink_fixed_layer.json', b)
    # Statuses that assert nothing, loose enclosures, a direction subset.
    und = variant(a, (('flips', 0), flip('train', 0, 1, None, None, 0.0, None, 'undecided')),
                  (('flips', 1), flip('train', 1, -1, None, None, 0.5, None, 'none')),
                  (('flips', 2), flip('test', 0, 1, None, None, 0.0, None, 'undecided')),
                  (('kkt',), {'status': 'not-applicable', 'variant': 'full'}),
                  (('fit', 'all_correct'), False),
                  (('fit', 'min_margin'), [hx(-1e300), hx(1e300)]),
                  (('direction', 'indices'), [1]),
                  (('options', 'direction'), 'margin:0x1p+0'),
                  (('data', 'gamma_z'), enc(-0.0, 1)),
                  (('data', 'z_norm_sq'), enc(5e-324, 1)),
                  (('lipschitz', 'L_upper'), hx(1.7976931348623157e308)))
    write_json('ok_a_undecided_subset.json', und)
    write_json('ok_a_points_train.json', variant(a, (('options', 'points'), 'train'),
                                                 (('flips',), a['flips'][:2])))
    write_json('ok_a_points_test.json', variant(a, (('options', 'points'), 'test'),
                                                (('flips',), a['flips'][2:])))
    write_json('ok_b_points_test_no_flips.json', variant(b, (('options', 'points'), 'test'),
                                                         (('flips',), [])))
    write_json('ok_a_hex_forms.json', variant(a, (('fit', 'min_margin'), ['0x.8p+1', '+0X1P0']),
                                              (('fit', 'theta_norm_sq'), ['0x4p0', '0x10p-2'])))

    # One claim false, one ulp on the wrong side (exit 1).
    fa = [
        ('sha256', (('model', 'sha256'), '0' * 64)),
        ('min_margin_lo', (('fit', 'min_margin'), enc(up(1), 2))),
        ('min_margin_hi', (('fit', 'min_margin'), enc(0, down(1)))),
        ('theta_norm_sq', (('fit', 'theta_norm_sq'), enc(up(4), 5))),
        ('normalized_margin', (('fit', 'normalized_margin'), enc(down(0.25)))),
        ('R_min_sq', (('data', 'R_min_sq'), enc(up(1), 2))),
        ('rho', (('data', 'rho'), enc(0, down(1)))),
        ('eps_data', (('data', 'eps_data'), enc(0, down(1)))),
        ('gamma_z', (('data', 'gamma_z'), enc(up(2), 3))),
        ('z_norm_sq', (('data', 'z_norm_sq'), enc(0, down(4)))),
        ('n_pos', (('data', 'n_pos'), 2)),
        ('regime', (('data', 'regime'), True)),
        ('neuron_norm_upper', (('lipschitz', 'neuron_norm_upper', 0), hx(down(1)))),
        ('L_upper', (('lipschitz', 'L_upper'), hx(down(2)))),
        ('flip_scale_at_boundary', (('flips', 0, 'scale'), hx(0.5))),
        ('flip_U', (('flips', 0, 'delta_norm_upper'), hx(down(2)))),
        ('flip_x_norm_lower', (('flips', 2, 'x_norm_lower'), hx(up(0.5)))),
        ('flip_dist_lower', (('flips', 1, 'dist_lower'), hx(up(0.5)))),
        ('flip_wrong_sign', (('flips', 0, 'sign'), -1)),
        ('kkt_lambda_negative', (('kkt', 'lambda', 0), hx(-5e-324))),
        ('kkt_eps_rel', (('kkt', 'lambda', 1), hx(up(1)))),
        ('kkt_kink_not_zero', (('kkt', 'kinks'), [[0, 0, hx(0.5)]])),
        ('robust_certified', (('robust_reference',), {'status': 'certified',
                                                      'radius_lower': hx(0)})),
    ]
    for name, edit in fa:
        write_json('false_a_%s.json' % name, variant(a, edit))
    fb = [
        ('normalized_margin', (('fit', 'normalized_margin', 1), hx(down(0.2)))),
        ('kink_missing', (('kkt', 'kinks'), [])),
        ('kink_g_above_1', (('kkt', 'kinks', 0, 2), hx(up(1)))),
        ('delta_upper', (('kkt', 'delta_upper'), hx(down(0.5)))),
        ('eps_rel_upper', (('kkt', 'eps_rel_upper'), hx(0.5))),
        ('balance_defect', (('kkt', 'balance_defect_upper'), hx(0.125))),
        ('robust_radius', (('robust_reference', 'radius_lower'), hx(up(1)))),
        ('flip_scale', (('flips', 1, 'scale'), hx(0.25))),
        ('regime', (('data', 'regime'), False)),
    ]
    for name, edit in fb:
        write_json('false_b_%s.json' % name, variant(b, edit))

    # Well formed, but not about model A's sizes (exit 3 for A).
    write_json('inputerr_a_n_mismatch.json',
               variant(a, (('model', 'n'), 3),
                       (('flips',), a['flips'][:2] + [flip('train', 2, 1, None, None, 0.0, None, 'none'),
                                                     a['flips'][2]]),
                       (('kkt',), {'status': 'not-applicable', 'variant': 'full'})))
    write_json('inputerr_a_bias_mismatch.json', variant(a, (('model', 'bias'), True)))
    write_json('inputerr_a_m_mismatch.json', variant(a, (('model', 'm'), 0),
                                                     (('flips',), a['flips'][:2])))

    # Malformed (exit 3 for both models).
    def bad(name, obj=None, raw=None):
        if raw is not None:
            write(CERT_DIR, 'bad_%s.json' % name, raw)
        else:
            write_json('bad_%s.json' % name, obj)

    text = (json.dumps(a, indent=2) + '\n').encode()
    bad('empty', raw=b'')
    bad('whitespace', raw=b' \n\t ')
    bad('truncated', raw=text[:len(text) // 2])
    bad('not_object', raw=b'[1, 2, 3]\n')
    bad('string', raw=b'"nrc-certificate"\n')
    bad('trailing_garbage', raw=text + b'x')
    bad('two_objects', raw=text + text)
    bad('duplicate_key', raw=text.replace(b'"version": 1,', b'"version": 1,\n  "version": 1,', 1))
    bad('invalid_utf8', raw=text.replace(b'informative only', b'informative \xff only', 1))
    bad('escaped_nul', raw=text.replace(b'informative only', b'informative \\u0000 only', 1))
    bad('lone_surrogate', raw=text.replace(b'informative only', b'informative \\ud800 only', 1))
    bad('bom', raw=b'\xef\xbb\xbf' + text)
    bad('deep_nesting', raw=b'{"theory":' + b'[' * 5000 + b']' * 5000 + b'}')
    bad('huge_integer', variant(a, (('model', 'n'), 10**30)))
    bad('nan_literal', raw=text.replace(b'"version": 1', b'"version": NaN', 1))
    # options is optional (spec/CERTIFICATE.md: the flips array gives the sets)
    write_json('ok_a_missing_options.json', variant(a, (('options',), DEL)))
    for key in ('format', 'version', 'tool', 'model', 'semantics', 'direction', 'fit',
                'data', 'lipschitz', 'flips', 'kkt', 'robust_reference', 'theory', 'summary'):
        bad('missing_' + key, variant(a, ((key,), DEL)))
    bad('format', variant(a, (('format',), 'nrc-cert')))
    bad('version_2', variant(a, (('version',), 2)))
    bad('version_string', variant(a, (('version',), '1')))
    bad('version_real', variant(a, (('version',), 1.0)))
    bad('tool_engine', variant(a, (('tool', 'engine'), 'slow')))
    bad('tool_name_number', variant(a, (('tool', 'name'), 7)))
    bad('sha256_upper', variant(a, (('model', 'sha256'), sha(A).upper())))
    bad('sha256_short', variant(a, (('model', 'sha256'), sha(A)[:63])))
    bad('sha256_nonhex', variant(a, (('model', 'sha256'), 'g' * 64)))
    bad('n_zero', variant(a, (('model', 'n'), 0)))
    bad('n_negative', variant(a, (('model', 'n'), -2)))
    bad('n_over_cap', variant(a, (('model', 'n'), 2**31 + 1)))
    bad('d_real', variant(a, (('model', 'd'), 1.5)))
    bad('bias_number', variant(a, (('model', 'bias'), 0)))
    bad('semantics', variant(a, (('semantics',), 'floating-point')))
    bad('points', variant(a, (('options', 'points'), 'both')))
    bad('direction_option', variant(a, (('options', 'direction'), 'margin')))
    bad('theory_array', variant(a, (('theory',), [])))
    bad('indices_descending', variant(a, (('direction', 'indices'), [1, 0])))
    bad('indices_duplicate', variant(a, (('direction', 'indices'), [0, 0])))
    bad('indices_out_of_range', variant(a, (('direction', 'indices'), [2])))
    bad('indices_string', variant(a, (('direction', 'indices'), 'some')))
    bad('enclosure_reversed', variant(a, (('fit', 'min_margin'), [hx(1), hx(down(1))])))
    bad('enclosure_three', variant(a, (('fit', 'min_margin'), [hx(1), hx(1), hx(1)])))
    bad('enclosure_number', variant(a, (('data', 'rho'), [1, 1])))
    bad('hex_decimal_string', variant(a, (('fit', 'min_margin', 0), '1.0')))
    bad('hex_json_number', variant(a, (('lipschitz', 'L_upper'), 2)))
    bad('hex_inf', variant(a, (('lipschitz', 'L_upper'), 'inf')))
    bad('hex_nan', variant(a, (('lipschitz', 'L_upper'), 'nan')))
    bad('hex_overflow', variant(a, (('lipschitz', 'L_upper'), '0x1p+1024')))
    bad('hex_below_subnormal', variant(a, (('kkt', 'eps_upper'), '0x1p-1075')))
    bad('hex_54_bits', variant(a, (('kkt', 'eps_upper'), '0x1.00000000000008p+0')))
    bad('hex_no_exponent', variant(a, (('kkt', 'eps_upper'), '0x1')))
    bad('hex_no_prefix', variant(a, (('kkt', 'eps_upper'), '1p+0')))
    bad('hex_space', variant(a, (('kkt', 'eps_upper'), ' 0x1p+0')))
    bad('hex_empty', variant(a, (('kkt', 'eps_upper'), '')))
    bad('hex_huge_exponent', variant(a, (('kkt', 'eps_upper'), '0x1p+99999999999999999999')))
    bad('hex_tiny_exponent', variant(a, (('kkt', 'eps_upper'), '0x1p-99999999999999999999')))
    bad('hex_too_long', variant(a, (('kkt', 'eps_upper'), '0x1.' + '0' * 2000 + 'p+0')))
    bad('n_pos_over_n', variant(a, (('data', 'n_pos'), 3)))
    bad('regime_string', variant(a, (('data', 'regime'), 'false')))
    bad('lipschitz_length', variant(a, (('lipschitz', 'neuron_norm_upper'), [hx(1)])))
    bad('flips_count', variant(a, (('flips',), a['flips'][:2])))
    bad('flips_order', variant(a, (('flips',), [a['flips'][1], a['flips'][0], a['flips'][2]])))
    bad('flips_not_array', variant(a, (('flips',), {})))
    bad('flip_sign_zero', variant(a, (('flips', 0, 'sign'), 0)))
    bad('flip_sign_two', variant(a, (('flips', 0, 'sign'), 2)))
    bad('flip_status', variant(a, (('flips', 0, 'status'), 'probably')))
    bad('flip_set', variant(a, (('flips', 0, 'set'), 'validation')))
    bad('flip_certified_null_scale', variant(a, (('flips', 0, 'scale'), None)))
    bad('flip_missing_x_norm_lower', variant(a, (('flips', 0, 'x_norm_lower'), DEL)))
    bad('flip_index_out_of_range', variant(a, (('flips', 2, 'index'), 1)))
    bad('flip_not_object', variant(a, (('flips', 0), [])))
    bad('kkt_status', variant(a, (('kkt', 'status'), 'approximate')))
    bad('kkt_variant_mismatch', variant(a, (('kkt', 'variant'), 'fixed-second-layer')))
    bad('kkt_lambda_length', variant(a, (('kkt', 'lambda'), [hx(1)])))
    bad('kkt_lambda_hex', variant(a, (('kkt', 'lambda', 1), '1')))
    bad('kkt_kinks_shape', variant(a, (('kkt', 'kinks'), [[0, 0]])))
    bad('kkt_kink_i_out_of_range', variant(a, (('kkt', 'kinks'), [[2, 0, hx(0)]])))
    bad('kkt_kink_j_out_of_range', variant(a, (('kkt', 'kinks'), [[0, 2, hx(0)]])))
    bad('kkt_kinks_descending', variant(a, (('kkt', 'kinks'), [[1, 0, hx(0)], [0, 1, hx(0)]])))
    bad('kkt_kinks_duplicate', variant(a, (('kkt', 'kinks'), [[0, 0, hx(0)], [0, 0, hx(0)]])))
    bad('robust_status', variant(a, (('robust_reference', 'status'), 'maybe')))
    bad('robust_certified_no_radius', variant(a, (('robust_reference',), {'status': 'certified'})))


if __name__ == '__main__':
    models()
    certs()
    print(len(os.listdir(MODEL_DIR)), 'model files,', len(os.listdir(CERT_DIR)), 'cert files')
