OK_FORMAT = True

test = {   'name': 'q2_gru_params',
    'points': 1,
    'suites': [{'cases': [{'code': '>>> assert gru_params(1, 1, reset_after=False) == 9\n', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}
