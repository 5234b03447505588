OK_FORMAT = True

test = {   'name': 'q3_reach',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert reach({10: 0.001, 50: 0.1}, 1 / 6) == 10\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
