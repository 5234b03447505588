OK_FORMAT = True

test = {   'name': 'q3_output_shape',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert output_shape(8, 5, 3, 4, False) == (8, 4)\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
