OK_FORMAT = True

test = {   'name': 'q1_param_count',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert param_count(1, 1) == 3\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
