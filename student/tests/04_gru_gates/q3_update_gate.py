OK_FORMAT = True

test = {   'name': 'q3_update_gate',
    'points': 2,
    'suites': [{'cases': [{'code': '>>> assert np.isclose(kept_fraction(0.5, 2), 0.25)\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
