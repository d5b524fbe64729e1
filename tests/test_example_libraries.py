"""numjax.example_libraries (optimizers, stax) against JAX 0.10.2.

Expected values were recorded by running the same code with jax 0.10.2 (CPU): the same
stax networks initialised from the same keys (parameters must match bit-for-bit, compared
through a SHA-256 of their bytes), trained for three steps with each optimizer (losses and
final parameters to ~1e-5), and a sweep of layers applied to fixed inputs.
"""
import hashlib

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import random
from numjax.example_libraries import optimizers, stax

RTOL, ATOL = 1e-5, 2e-6


def _hash(leaves):
  return hashlib.sha256(b"".join(np.asarray(l).tobytes() for l in leaves)).hexdigest()[:16]


def _shape_list(s):
  if isinstance(s, (list, tuple)) and s and isinstance(s[0], (list, tuple)):
    return [_shape_list(t) for t in s]
  return [int(d) for d in s]


# Data: legacy RandomState streams are stable across NumPy versions; rounded to 3 decimals.
_rs = np.random.RandomState(0)
X = np.round(_rs.randn(8, 5), 3).astype(np.float32)
Y = _rs.randint(0, 3, size=8)
XI = np.round(_rs.randn(4, 6, 6, 2), 3).astype(np.float32)
YI = _rs.randint(0, 3, size=4)


def _nll(apply, x, y):
  def loss(p):
    logp = apply(p, x)
    return -jnp.mean(jnp.take_along_axis(logp, jnp.asarray(y)[:, None], axis=1))
  return loss


def _nets():
  mlp = stax.serial(stax.Dense(6), stax.Tanh, stax.Dense(4), stax.Relu, stax.Dense(3),
                    stax.LogSoftmax)
  cnn = stax.serial(stax.Conv(3, (3, 3), padding="SAME"), stax.Relu, stax.BatchNorm(),
                    stax.MaxPool((2, 2), strides=(2, 2)), stax.Conv(4, (2, 2)), stax.Elu,
                    stax.AvgPool((2, 2), padding="SAME"), stax.Flatten, stax.Dense(3),
                    stax.LogSoftmax)
  return {"mlp": (mlp, (-1, 5), X, Y), "cnn": (cnn, (4, 6, 6, 2), XI, YI)}


def _optimizers():
  return {
      "sgd": optimizers.sgd(0.1),
      "momentum": optimizers.momentum(0.1, 0.9),
      "nesterov": optimizers.nesterov(optimizers.exponential_decay(0.1, 2, 0.5), 0.9),
      "adagrad": optimizers.adagrad(0.1),
      "rmsprop": optimizers.rmsprop(0.01),
      "rmsprop_momentum": optimizers.rmsprop_momentum(
          optimizers.inverse_time_decay(0.01, 1, 0.5, True)),
      "adam": optimizers.adam(optimizers.polynomial_decay(0.01, 3, 0.001)),
      "adamax": optimizers.adamax(optimizers.piecewise_constant([1], [0.02, 0.01])),
      "sm3": optimizers.sm3(0.1),
  }

TRAIN_EXPECTED = {'cnn_adagrad': {'first': [-0.418651282787323, -0.05140998214483261, 0.0006235265755094588,
                           1.053052544593811, -0.2746196389198303, 0.04679345339536667,
                           0.12697936594486237, -0.059718936681747437],
                 'losses': [0.9627808332443237, 0.802220344543457, 0.5862566232681274],
                 'sums': [1.3795055020600557, -0.06424788385629654, -0.006196801958139986,
                          3.05468612909317, -0.6252457997761667, -0.06996991112828255,
                          -0.6302177929319441, 0.02068297564983368]},
 'cnn_adam': {'first': [-0.4222722351551056, -0.020806485787034035, -0.0016280843410640955,
                        1.020413875579834, -0.23985636234283447, 0.021014047786593437,
                        0.15067772567272186, -0.03712237626314163],
              'losses': [0.9627808332443237, 0.802221417427063, 0.7023383975028992],
              'sums': [1.246284108608961, -0.020166195929050446, -0.0022478254977613688,
                       3.0205265283584595, -0.4251039151567966, -0.039868131279945374,
                       -0.5081402696669102, -0.0026883292011916637]},
 'cnn_adamax': {'first': [-0.4230802357196808, -0.0425884909927845, -0.003705122973769903,
                          1.0402988195419312, -0.25908905267715454, 0.04875021427869797,
                          0.12596358358860016, -0.05991603061556816],
                'losses': [0.9627808332443237, 0.664013147354126, 0.4715595245361328],
                'sums': [1.379650157643482, -0.04255859926342964, -0.01503282180055976,
                         3.0429729223251343, -0.6711455858312547, -0.06404371932148933,
                         -0.620710882358253, 0.018329817801713943]},
 'cnn_init': {'hash': '1269ba6fe9573fd0',
              'leaf_shapes': [[3, 3, 2, 3], [1, 1, 1, 3], [3], [3], [2, 2, 3, 4], [1, 1, 1, 4],
                              [16, 3], [3]],
              'shape': [4, 3]},
 'cnn_momentum': {'first': [-0.39379358291625977, -0.030267514288425446, 0.005640360526740551,
                            1.0515838861465454, -0.24529895186424255, 0.014970554038882256,
                            0.13775619864463806, -0.10650136321783066],
                  'losses': [0.9627808332443237, 0.6970221996307373, 0.4484843611717224],
                  'sums': [1.292677198536694, -0.009677981957793236, 0.011383664794266224,
                           2.998692572116852, -0.9735438525676727, -0.054452165961265564,
                           -0.3878190340474248, -0.023353075608611107]},
 'cnn_nesterov': {'first': [-0.3817445635795593, -0.03332209587097168, 0.005716857500374317,
                            1.0559128522872925, -0.24739915132522583, 0.0149613618850708,
                            0.1391800194978714, -0.09993550926446915],
                  'losses': [0.9627808332443237, 0.5497628450393677, 0.37642717361450195],
                  'sums': [1.3260892583057284, -0.01941728964447975, 0.007953709922730923,
                           3.0103474855422974, -0.7358862824039534, -0.03964751306921244,
                           -0.3878191476687789, -0.023353081196546555]},
 'cnn_rmsprop': {'first': [-0.39416712522506714, -0.08300547301769257, 0.028303703293204308,
                           1.0856773853302002, -0.29942160844802856, 0.0784492939710617,
                           0.10611040145158768, -0.07577257603406906],
                 'losses': [0.9627808332443237, 0.5343368649482727, 0.32761603593826294],
                 'sums': [1.5487787309102714, -0.1358461193740368, -0.00658537819981575,
                          3.1014745831489563, -0.3101497199386358, -0.022558644879609346,
                          -0.7099869530647993, 0.03122458979487419]},
 'cnn_rmsprop_momentum': {'first': [-0.4506608545780182, -0.1327645182609558, -0.026125837117433548,
                                    1.1350370645523071, -0.35004836320877075, 0.12660682201385498,
                                    0.056611645966768265, -0.12670031189918518],
                          'losses': [0.9627808332443237, 0.5343368053436279, 0.25579631328582764],
                          'sums': [1.697054861113429, -0.18036777526140213, -0.05809701606631279,
                                   3.146287202835083, -1.177527068182826, -0.1348632350564003,
                                   -0.9739144071936607, 0.0838131234049797]},
 'cnn_sgd': {'first': [-0.39848196506500244, -0.018528729677200317, 0.004156498704105616,
                       1.0327022075653076, -0.23921401798725128, 0.008102173916995525,
                       0.15353822708129883, -0.06281458586454391],
             'losses': [0.9627808332443237, 0.6970221996307373, 0.553492546081543],
             'sums': [1.2332331372890621, -0.011942971497774124, 0.006186310667544603,
                      3.0101170539855957, -0.5020772977732122, -0.024586464278399944,
                      -0.38781916350126266, -0.023353083059191704]},
 'cnn_sm3': {'first': [-0.438636839389801, -0.05129045993089676, 0.0005328785628080368,
                       1.0529108047485352, -0.25544193387031555, 0.04641774296760559,
                       0.13146111369132996, -0.05973494052886963],
             'losses': [0.9627808332443237, 0.802220344543457, 0.6081247329711914],
             'sums': [1.3014601999893785, -0.0638490580022335, -0.006360957399010658,
                      3.054312825202942, -0.6712689725682139, -0.07050666213035583,
                      -0.5902171488851309, 0.020698409527540207]},
 'mlp_adagrad': {'first': [-0.796016275882721, 0.03587767481803894, 0.10566889494657516,
                           0.04147676005959511, -0.48565924167633057, 0.03949449583888054],
                 'losses': [1.1185929775238037, 1.0992838144302368, 1.0733896493911743],
                 'sums': [1.3551813941448927, -0.11055731773376465, 1.714884052053094,
                          0.0007419846951961517, -1.0289190262556076, 0.04635629802942276]},
 'mlp_adam': {'first': [-0.8203667402267456, 0.012955447658896446, 0.07820538431406021,
                        0.016625836491584778, -0.4610787630081177, 0.014598799869418144],
              'losses': [1.1185929775238037, 1.0992839336395264, 1.0872265100479126],
              'sums': [1.3388011753559113, -0.06683568865992129, 1.6155990730039775,
                       -0.0014684312045574188, -0.9344674497842789, 0.022162534296512604]},
 'mlp_adamax': {'first': [-0.7963001728057861, 0.03354300931096077, 0.10282601416110992,
                          0.044567257165908813, -0.4883050322532654, 0.04250046983361244],
                'losses': [1.1185929775238037, 1.0823791027069092, 1.064012050628662],
                'sums': [1.3844680730253458, -0.10185815580189228, 1.729426153935492,
                         0.0012702159583568573, -1.0211402475833893, 0.04873122274875641]},
 'mlp_init': {'hash': '3301151414fc3bd5',
              'leaf_shapes': [[5, 6], [6], [6, 4], [4], [4, 3], [3]],
              'shape': [-1, 3]},
 'mlp_momentum': {'first': [-0.8291218280792236, 0.001947640092112124, 0.06695624440908432,
                            0.02583472989499569, -0.4509964883327484, 0.004128139466047287],
                  'losses': [1.1185929775238037, 1.110580325126648, 1.0966497659683228],
                  'sums': [1.2797978296875954, -0.0470519739901647, 1.503774915356189,
                           0.02435002790298313, -0.8515520542860031, 0.0012226961553096771]},
 'mlp_nesterov': {'first': [-0.8293733596801758, 0.0017099687829613686, 0.0669352114200592,
                            0.025253836065530777, -0.45074811577796936, 0.003919617272913456],
                  'losses': [1.1185929775238037, 1.1036173105239868, 1.090909481048584],
                  'sums': [1.2826142720878124, -0.04638878698460758, 1.5046027647331357,
                           0.02417390828486532, -0.8515519201755524, 0.0012226933613419533]},
 'mlp_rmsprop': {'first': [-0.7817230224609375, 0.04687412828207016, 0.13716940581798553,
                           0.06735389679670334, -0.5142097473144531, 0.06768937408924103],
                 'losses': [1.1185929775238037, 1.0690391063690186, 1.0494475364685059],
                 'sums': [1.5758585687726736, -0.10526853194460273, 1.8271556533873081,
                          0.040159374475479126, -1.1060060560703278, 0.06891119852662086]},
 'mlp_rmsprop_momentum': {'first': [-0.741981029510498, 0.0869838297367096, 0.1890043020248413,
                                    0.1184169352054596, -0.562710702419281, 0.11544875800609589],
                          'losses': [1.1185929775238037, 1.0690391063690186, 1.0357146263122559],
                          'sums': [1.6288929544389248, -0.17895710468292236, 2.1691208370029926,
                                   0.04288291931152344, -1.299495130777359, 0.11757700145244598]},
 'mlp_sgd': {'first': [-0.834732711315155, -0.0024044036399573088, 0.06243887543678284,
                       0.01175741944462061, -0.44591107964515686, -0.0007767336792312562],
             'losses': [1.1185929775238037, 1.110580325126648, 1.1031135320663452],
             'sums': [1.306656502187252, -0.03759035200346261, 1.5111856693401933,
                      0.015033284900709987, -0.8515520691871643, 0.0012227004044689238]},
 'mlp_sm3': {'first': [-0.7966325283050537, 0.035906918346881866, 0.10257555544376373,
                       0.04148920625448227, -0.47868281602859497, 0.03941106051206589],
             'losses': [1.1185929775238037, 1.0992838144302368, 1.0744516849517822],
             'sums': [1.3524139262735844, -0.11069058254361153, 1.6798298992216587,
                      0.0006385408341884613, -0.9832186102867126, 0.04631664231419563]}}

MISC_EXPECTED = {'Elu': {'hash': 'e3b0c44298fc1c14',
         'out': [[0.24899999797344208, -0.25695595145225525, 0.4950000047683716,
                  -0.16054296493530273, 0.9860000014305115, 0.21400000154972076]],
         'out_shapes': [[3, 4]],
         'shape': [3, 4],
         'sum': [5.599863529205322]},
 'Exp': {'hash': 'e3b0c44298fc1c14',
         'out': [[1.2827420234680176, 0.7430440187454224, 1.6404982805252075, 0.8394570350646973,
                  2.6804909706115723, 1.2386226654052734]],
         'out_shapes': [[3, 4]],
         'shape': [3, 4],
         'sum': [33.81285944581032]},
 'Gelu': {'hash': 'e3b0c44298fc1c14',
          'out': [[0.14898037910461426, -0.11382269114255905, 0.3413848578929901,
                   -0.07534477114677429, 0.8260546326637268, 0.1251308023929596]],
          'out_shapes': [[3, 4]],
          'shape': [3, 4],
          'sum': [6.339253269135952]},
 'LeakyRelu': {'hash': 'e3b0c44298fc1c14',
               'out': [[0.24899999797344208, -0.002969999797642231, 0.4950000047683716,
                        -0.0017499999376013875, 0.9860000014305115, 0.21400000154972076]],
               'out_shapes': [[3, 4]],
               'shape': [3, 4],
               'sum': [7.531360131106339]},
 'LogSoftmax': {'hash': 'e3b0c44298fc1c14',
                'out': [[-1.256352424621582, -1.8023524284362793, -1.010352373123169,
                         -1.6803524494171143, -1.5799822807312012, -2.351982355117798]],
                'out_shapes': [[3, 4]],
                'shape': [3, 4],
                'sum': [-23.148449152708054]},
 'Relu': {'hash': 'e3b0c44298fc1c14',
          'out': [[0.24899999797344208, 0.0, 0.4950000047683716, 0.0, 0.9860000014305115,
                   0.21400000154972076]],
          'out_shapes': [[3, 4]],
          'shape': [3, 4],
          'sum': [7.564000129699707]},
 'Selu': {'hash': 'e3b0c44298fc1c14',
          'out': [[0.2616245448589325, -0.451754093170166, 0.520097017288208, -0.28225046396255493,
                   1.0359911918640137, 0.22485001385211945]],
          'out_shapes': [[3, 4]],
          'shape': [3, 4],
          'sum': [4.494355246424675]},
 'Sigmoid': {'hash': 'e3b0c44298fc1c14',
             'out': [[0.5619303584098816, 0.4262910485267639, 0.6212835907936096,
                      0.4563612937927246, 0.7282971143722534, 0.5532967448234558]],
             'out_shapes': [[3, 4]],
             'shape': [3, 4],
             'sum': [6.796432584524155]},
 'Softmax': {'hash': 'e3b0c44298fc1c14',
             'out': [[0.2846905589103699, 0.16491049528121948, 0.3640906512737274,
                      0.18630830943584442, 0.20597875118255615, 0.09518028795719147]],
             'out_shapes': [[3, 4]],
             'shape': [3, 4],
             'sum': [2.999999920837581]},
 'Softplus': {'hash': 'e3b0c44298fc1c14',
              'out': [[0.8253774046897888, 0.555633008480072, 0.9709676504135132,
                       0.6094704270362854, 1.3030462265014648, 0.8058607578277588]],
              'out_shapes': [[3, 4]],
              'shape': [3, 4],
              'sum': [12.351368993520737]},
 'Tanh': {'hash': 'e3b0c44298fc1c14',
          'out': [[0.24397841095924377, -0.2885647714138031, 0.45817580819129944,
                   -0.17323514819145203, 0.755651593208313, 0.2107919603586197]],
          'out_shapes': [[3, 4]],
          'shape': [3, 4],
          'sum': [2.1167101114988327]},
 'avgpool_nchw': {'hash': 'e3b0c44298fc1c14',
                  'out': [[0.20100000500679016, -0.33766669034957886, -0.6442500352859497,
                           0.1940000206232071, -0.20116667449474335, -0.46974998712539673]],
                  'out_shapes': [[2, 5, 4, 3]],
                  'shape': [2, 5, 4, 3],
                  'sum': [7.319333059713244]},
 'bn_center_only': {'hash': '374708fff7719dd5',
                    'out': [[0.07937344163656235, -1.1605770587921143, -1.397190809249878,
                             0.7531642913818359, 1.1831138134002686, -0.11952115595340729]],
                    'out_shapes': [[3, 4]],
                    'shape': [3, 4],
                    'sum': [5.438923835754395e-07]},
 'bn_scale_only': {'hash': 'f6bb1294da2f78cd',
                   'out': [[0.07937344163656235, -1.1605770587921143, -1.397190809249878,
                            0.7531642913818359, 1.1831138134002686, -0.11952115595340729]],
                   'out_shapes': [[3, 4]],
                   'shape': [3, 4],
                   'sum': [5.438923835754395e-07]},
 'clip': [1.3764762878417969, 0.7020029425621033],
 'conv1dT': {'hash': 'ceb3d1c803883cae',
             'out': [[0.4998062551021576, 0.9638667106628418, 0.14378583431243896,
                      -0.27539485692977905, 0.6010096073150635, 2.3376877307891846]],
             'out_shapes': [[2, 9, 4]],
             'shape': [2, 9, 4],
             'sum': [1.531846160069108]},
 'convT': {'hash': '79cb8c8581bce7e9',
           'out': [[-0.21508744359016418, -0.2946169376373291, 0.3034555912017822,
                    1.0326560735702515, -0.35691002011299133, 0.817320704460144]],
           'out_shapes': [[2, 10, 4, 2]],
           'shape': [2, 10, 4, 2],
           'sum': [13.759252518648282]},
 'convT_valid': {'hash': '7d39f6849e7695e5',
                 'out': [[-0.18561160564422607, -0.014522609300911427, -0.1573783904314041,
                          -0.15585646033287048, 0.24919523298740387, 0.9180313944816589]],
                 'out_shapes': [[2, 10, 8, 2]],
                 'shape': [2, 10, 8, 2],
                 'sum': [7.831551025854424]},
 'conv_nchw': {'hash': 'f4fe655bab84af7e',
               'out': [[0.320777028799057, 0.22237835824489594, -0.22281712293624878,
                        1.4365012645721436, -0.8945258855819702, -0.29895448684692383]],
               'out_shapes': [[2, 2, 4, 2]],
               'shape': [2, 2, 4, 2],
               'sum': [3.3487776098772883]},
 'dropout': {'hash': '1f37e36ab70e4644',
             'out': [[0.0, 0.0, -0.9184670448303223, 0.6206543445587158, 0.6017526984214783, 0.0]],
             'out_shapes': [[3, 5]],
             'shape': [3, 5],
             'sum': [-1.6154512986540794]},
 'dropout_test': {'hash': 'e3b0c44298fc1c14',
                  'out': [[0.24899999797344208, -0.296999990940094, 0.4950000047683716,
                           -0.17499999701976776, 0.9860000014305115, 0.21400000154972076]],
                  'out_shapes': [[3, 4]],
                  'shape': [3, 4],
                  'sum': [4.300000101327896]},
 'fanin_sum': {'hash': '9f18e8855469879f',
               'out': [[0.22465255856513977, 0.30156657099723816, 0.021569719538092613,
                        -0.4567986726760864, 2.5088045597076416, 0.5205792188644409]],
               'out_shapes': [[3, 3]],
               'shape': [3, 3],
               'sum': [6.9975367691367865]},
 'fanout_par': {'hash': '50f2eb91b2df06f8',
                'out': [[0.1003873199224472, 0.2533181607723236, 0.24899999797344208,
                         -0.296999990940094, 0.4950000047683716, -0.17499999701976776]],
                'out_shapes': [[3, 10]],
                'shape': [3, 10],
                'sum': [-7.290911907330155]},
 'flatten': {'hash': 'e3b0c44298fc1c14',
             'out': [[1.6239999532699585, -0.6119999885559082, -0.527999997138977,
                      -1.0729999542236328, 0.8650000095367432, -2.302000045776367]],
             'out_shapes': [[2, 60]],
             'shape': [2, 60],
             'sum': [4.303999695926905]},
 'l2': 6.247837543487549,
 'maxpool': {'hash': 'e3b0c44298fc1c14',
             'out': [[1.6239999532699585, 0.8650000095367432, 1.1339999437332153,
                      1.7450000047683716, 0.8650000095367432, 0.5299999713897705]],
             'out_shapes': [[2, 3, 3, 3]],
             'shape': [2, 3, 3, 3],
             'sum': [62.036000072956085]},
 'sched': [[0.1, 0.07071067811865477, 0.05, 0.03535533905932738, 0.025],
           [0.1, 0.08, 0.06666666666666667, 0.05714285714285715, 0.05],
           [0.10000000149011612, 0.10000000149011612, 0.06666667014360428, 0.06666667014360428,
            0.05000000074505806],
           [0.10000000149011612, 0.04999999701976776, 0.019999999552965164, 0.009999999776482582,
            0.009999999776482582],
           [0.10000000149011612, 0.10000000149011612, 0.05000000074505806, 0.05000000074505806,
            0.009999999776482582]],
 'shape_dep': {'hash': '14908ec1a6219dd0',
               'out': [[-0.44401243329048157, 0.08762853592634201, -0.05097891017794609,
                        -0.20940236747264862, -0.2157094031572342, 0.6196824908256531]],
               'out_shapes': [[3, 8]],
               'shape': [3, 8],
               'sum': [-2.765465596690774]},
 'sumpool': {'hash': 'e3b0c44298fc1c14',
             'out': [[-0.8710000514984131, -0.30299997329711914, -2.5739998817443848,
                      2.683000087738037, 2.186000108718872, -2.3400001525878906]],
             'out_shapes': [[2, 5, 2, 3]],
             'shape': [2, 5, 2, 3],
             'sum': [7.556999586522579]}}


@pytest.mark.parametrize("net", ["mlp", "cnn"])
def test_init_matches_jax_bit_for_bit(net):
  (init, _), shape, _, _ = _nets()[net]
  out_shape, params = init(random.PRNGKey(1), shape)
  leaves = jax.tree_util.tree_leaves(params)
  exp = TRAIN_EXPECTED[f"{net}_init"]
  assert _shape_list(out_shape) == exp["shape"]
  assert [list(l.shape) for l in leaves] == exp["leaf_shapes"]
  assert all(l.dtype == jnp.float32 for l in leaves)
  assert _hash(leaves) == exp["hash"]


@pytest.mark.parametrize("net", ["mlp", "cnn"])
@pytest.mark.parametrize("opt", sorted(_optimizers()))
def test_training_matches_jax(net, opt):
  (init, apply), shape, x, y = _nets()[net]
  _, params = init(random.PRNGKey(1), shape)
  loss = _nll(apply, x, y)
  opt_init, opt_update, get_params = _optimizers()[opt]
  state = opt_init(params)

  def step(i, state):
    value, grads = jax.value_and_grad(loss)(get_params(state))
    return value, opt_update(i, grads, state)

  if opt != "sm3":  # sm3 keeps the parameter shape in its state, so it cannot be jitted
    step = jax.jit(step)
  losses = []
  for i in range(3):
    value, state = step(i, state)
    losses.append(float(value))
  final = jax.tree_util.tree_leaves(get_params(state))
  exp = TRAIN_EXPECTED[f"{net}_{opt}"]
  np.testing.assert_allclose(losses, exp["losses"], rtol=RTOL, atol=ATOL)
  np.testing.assert_allclose([float(np.sum(np.asarray(l, np.float64))) for l in final],
                             exp["sums"], rtol=RTOL, atol=1e-5)
  np.testing.assert_allclose([float(np.asarray(l).ravel()[0]) for l in final], exp["first"],
                             rtol=RTOL, atol=ATOL)
  assert all(l.dtype == jnp.float32 for l in final)


def _misc_cases():
  rs = np.random.RandomState(1)
  x4 = np.round(rs.randn(2, 5, 4, 3), 3).astype(np.float32)
  x3 = np.round(rs.randn(2, 7, 3), 3).astype(np.float32)
  x2 = np.round(rs.randn(3, 4), 3).astype(np.float32)
  cases = {
      "convT": (stax.ConvTranspose(2, (3, 2), strides=(2, 1), padding="SAME"), x4, {}),
      "convT_valid": (stax.ConvTranspose(2, (2, 2), strides=(2, 2)), x4, {}),
      "conv1dT": (stax.Conv1DTranspose(4, (3,), padding="VALID"), x3, {}),
      "conv_nchw": (stax.GeneralConv(("NCHW", "OIHW", "NCHW"), 2, (2, 2), strides=(1, 2),
                                     padding="SAME"), x4, {}),
      "sumpool": (stax.SumPool((2, 2), strides=(1, 2), padding="SAME"), x4, {}),
      "avgpool_nchw": (stax.AvgPool((2, 3), padding="SAME", spec="NCHW"), x4, {}),
      "maxpool": (stax.MaxPool((3, 2)), x4, {}),
      "bn_scale_only": (stax.BatchNorm(axis=(0,), center=False), x2, {}),
      "bn_center_only": (stax.BatchNorm(axis=0, scale=False), x2, {}),
      "flatten": (stax.Flatten, x4, {}),
      "fanout_par": (stax.serial(stax.FanOut(3), stax.parallel(stax.Dense(2), stax.Identity,
                                                               stax.Dense(4)),
                                 stax.FanInConcat()), x2, {}),
      "fanin_sum": (stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Dense(3)),
                                stax.FanInSum), x2, {}),
      "dropout": (stax.serial(stax.Dense(5), stax.Dropout(0.5)), x2,
                  {"rng": random.PRNGKey(7)}),
      "dropout_test": (stax.Dropout(0.5, mode="test"), x2, {"rng": random.PRNGKey(7)}),
      "shape_dep": (stax.shape_dependent(lambda s: stax.Dense(s[-1] * 2)), x2, {}),
  }
  for n in ["Tanh", "Relu", "Exp", "LogSoftmax", "Softmax", "Softplus", "Sigmoid", "Elu",
            "LeakyRelu", "Selu", "Gelu"]:
    cases[n] = (getattr(stax, n), x2, {})
  return cases


@pytest.mark.parametrize("name", sorted(_misc_cases()))
def test_layer_matches_jax(name):
  (init, apply), x, kw = _misc_cases()[name]
  shape, params = init(random.PRNGKey(3), x.shape)
  y = apply(params, jnp.asarray(x), **kw)
  ys = y if isinstance(y, (list, tuple)) else [y]
  exp = MISC_EXPECTED[name]
  assert _shape_list(shape) == exp["shape"]
  assert _hash(jax.tree_util.tree_leaves(params)) == exp["hash"]
  assert [list(np.shape(v)) for v in ys] == exp["out_shapes"]
  for v, first, total in zip(ys, exp["out"], exp["sum"]):
    np.testing.assert_allclose(np.asarray(v, np.float64).ravel()[:6], first, rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(float(np.asarray(v, np.float64).sum()), total, rtol=RTOL,
                               atol=1e-5)


def test_layers_jit_and_vmap_agree_with_eager():
  init, apply = _nets()["cnn"][0]
  _, params = init(random.PRNGKey(1), (4, 6, 6, 2))
  eager = apply(params, XI)
  np.testing.assert_allclose(jax.jit(apply)(params, XI), eager, rtol=1e-6, atol=1e-6)
  init, apply = _nets()["mlp"][0]
  _, params = init(random.PRNGKey(1), (-1, 5))
  per_row = jax.vmap(lambda r: apply(params, r[None])[0])(X)
  np.testing.assert_allclose(per_row, apply(params, X), rtol=1e-6, atol=1e-6)


def test_grad_through_conv_net_matches_finite_differences():
  with _x64():
    init, apply = stax.serial(stax.Conv(2, (2, 2), padding="SAME"), stax.Tanh,
                              stax.AvgPool((2, 2)), stax.Flatten, stax.Dense(2))
    _, params = init(random.PRNGKey(0), (1, 4, 4, 1))
    params = jax.tree_util.tree_map(lambda p: jnp.asarray(p, jnp.float64), params)
    x = jnp.asarray(np.linspace(-1, 1, 16).reshape(1, 4, 4, 1))
    f = lambda W: jnp.sum(apply([(W, params[0][1])] + params[1:], x) ** 2)
    W = params[0][0]
    g = jax.grad(f)(W)
    d = np.zeros(W.shape)
    d.flat[3] = 1.0
    eps = 1e-6
    fd = (f(W + eps * d) - f(W - eps * d)) / (2 * eps)
    np.testing.assert_allclose(float(jnp.sum(g * d)), float(fd), rtol=1e-6)


class _x64:
  def __enter__(self):
    self.old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)

  def __exit__(self, *exc):
    jax.config.update("jax_enable_x64", self.old)


def test_optimizer_state_pytree_and_serialization_roundtrip():
  params = {"w": jnp.ones((2, 3)), "b": [jnp.zeros(3), jnp.float32(2.)]}
  opt_init, opt_update, get_params = optimizers.adam(0.1)
  state = opt_init(params)
  assert isinstance(state, optimizers.OptimizerState)
  leaves, treedef = jax.tree_util.tree_flatten(state)
  assert len(leaves) == 9  # (x, m, v) for each of the three parameter leaves
  state2 = jax.tree_util.tree_unflatten(treedef, leaves)
  marked = optimizers.unpack_optimizer_state(state2)
  assert isinstance(marked["w"], optimizers.JoinPoint)
  np.testing.assert_array_equal(marked["w"].subtree[0], params["w"])
  packed = optimizers.pack_optimizer_state(marked)
  assert packed.tree_def == state.tree_def and packed.subtree_defs == state.subtree_defs
  grads = jax.tree_util.tree_map(jnp.ones_like, params)
  a = get_params(opt_update(0, grads, state))
  b = get_params(opt_update(0, grads, packed))
  for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
    np.testing.assert_array_equal(u, v)
  # state is a pytree of arrays: it passes through jit
  c = jax.jit(lambda s: get_params(opt_update(0, grads, s)))(state)
  for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(c)):
    np.testing.assert_allclose(u, v, rtol=1e-6)


def test_optimizer_errors():
  opt_init, opt_update, _ = optimizers.sgd(0.1)
  state = opt_init({"a": jnp.ones(2)})
  with pytest.raises(TypeError, match="did not match the parameter tree structure"):
    opt_update(0, {"b": jnp.ones(2)}, state)
  with pytest.raises(ValueError, match="boundaries length must be one shorter"):
    optimizers.piecewise_constant([1, 2], [0.1, 0.2])
  with pytest.raises(ValueError, match="must be sequences"):
    optimizers.piecewise_constant(1, [0.1, 0.2])
  with pytest.raises(TypeError):
    optimizers.make_schedule(jnp.ones(3))
  with pytest.raises(ValueError, match="requires apply_fun to be called with a PRNG key"):
    stax.Dropout(0.5)[1]((), jnp.ones(3))


def test_utilities_and_schedules_match_jax():
  rs = np.random.RandomState(1)
  rs.randn(2, 5, 4, 3)
  x3 = np.round(rs.randn(2, 7, 3), 3).astype(np.float32)
  x2 = np.round(rs.randn(3, 4), 3).astype(np.float32)
  tree = {"a": jnp.asarray(x2), "b": [jnp.asarray(x3[0])]}
  np.testing.assert_allclose(float(optimizers.l2_norm(tree)), MISC_EXPECTED["l2"], rtol=1e-6)
  clipped = jax.tree_util.tree_leaves(optimizers.clip_grads(tree, 2.0))
  np.testing.assert_allclose([float(np.sum(np.asarray(l))) for l in clipped],
                             MISC_EXPECTED["clip"], rtol=1e-5, atol=1e-6)
  scheds = [optimizers.exponential_decay(0.1, 2, 0.5), optimizers.inverse_time_decay(0.1, 2, 0.5),
            optimizers.inverse_time_decay(0.1, 2, 0.5, staircase=True),
            optimizers.polynomial_decay(0.1, 3, 0.01, 2.0),
            optimizers.piecewise_constant([1, 3], [0.1, 0.05, 0.01])]
  got = [[float(f(i)) for i in range(5)] for f in scheds]
  np.testing.assert_allclose(got, MISC_EXPECTED["sched"], rtol=1e-6)
  # schedules take traced steps too
  np.testing.assert_allclose(jax.jit(scheds[4])(2), 0.05, rtol=1e-6)


def test_optimizer_decorator_on_custom_triple():
  @optimizers.optimizer
  def halve():
    return (lambda x: (x, 0.5)), (lambda i, g, s: (s[0] * s[1] - g, s[1])), (lambda s: s[0])

  init, update, get = halve()
  out = get(update(0, [jnp.ones(2)], init([jnp.full(2, 4.)])))
  np.testing.assert_array_equal(out[0], [1., 1.])
  assert halve.__name__ == "halve"
