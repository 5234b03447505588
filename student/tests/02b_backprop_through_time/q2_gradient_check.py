OK_FORMAT = True

test = {   'name': 'q2_gradient_check',
    'points': 3,
    'suites': [   {   'cases': [{'code': '>>> assert gradient_check(cells.rnn_backward) < 1e-06\n', 'hidden': False, 'locked': False, 'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
